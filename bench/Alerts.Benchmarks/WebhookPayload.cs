using System.Text.Json;
using Alerts.Consumer.Admission;
using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Webhooks;
using Alerts.Contracts;

namespace Alerts.Benchmarks;

/// <summary>The payload the consumer posts for one benchmark alert, for the plain HttpClient baseline to post too.</summary>
public static class WebhookPayload
{
    public static byte[] Sample()
    {
        var (_, body) = BenchBroker.Body(0);
        var alert = AdmittedAlert.From(JsonSerializer.Deserialize<Alert>(body)!, "critical.bench", null, 64 * 1024, new GroupingOptions().By);
        var route = new Route("hooks", new RouteOptions { Queue = BenchBroker.HookQueue, Webhooks = [new WebhookOptions()] }, new RouteTopology(BenchBroker.HookQueue, ["critical.*"]));
        return JsonSerializer.SerializeToUtf8Bytes(AlertmanagerMessage.From(route, Notification.Of(alert), new WebhookOptions().MaxAlerts, ""));
    }
}
