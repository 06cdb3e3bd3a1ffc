using Alerts.Consumer.Admission;
using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;
using Alerts.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Intake;

/// <summary>
/// Reads a route that notifies each alert alone (grouping off, the book's behaviour): admits the alert and hands it to the
/// notification stage. It returns, and so lets MassTransit acknowledge the alert, only once every receiver took it; a
/// failure is retried by <see cref="NotificationRetry"/> and then parked in the route's error queue.
/// </summary>
public sealed class AlertConsumer(IOptions<AlertsOptions> options, AlertAdmission admission, Notifier notifier, ILogger<AlertConsumer> logger)
    : IConsumer<Alert>
{
    public async Task Consume(ConsumeContext<Alert> context)
    {
        var route = options.Value.RouteOfQueue(context.ReceiveContext.InputAddress);
        await admission.Ready.WaitAsync(context.CancellationToken);
        var attempt = context.GetRetryAttempt();
        if (admission.Admit(route, context.Message, context.RoutingKey(), context.MessageId, attempt) is not { } alert)
        {
            return;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["AlertId"] = alert.Id, ["Route"] = route.Name });
        await notifier.NotifyAsync(route, Notification.Of(alert), attempt, NotifiedReceivers.Of(context.ReceiveContext), context.CancellationToken);
    }
}
