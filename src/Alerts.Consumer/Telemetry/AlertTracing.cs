using System.Diagnostics;
using System.Text;
using Alerts.Consumer.Admission;
using Alerts.Consumer.Settings;
using MassTransit.Logging;

namespace Alerts.Consumer.Telemetry;

/// <summary>
/// One span per alert admitted to a route, whichever reader took it: under MassTransit's consume span on a route that
/// notifies each alert, and under the publisher's span (and linked to it) on a grouping route, whose reader is not
/// MassTransit, so that an alert's trace goes on past the broker either way.
/// </summary>
public static class AlertTracing
{
    public const string SourceName = "Alerts.Consumer";

    public const string AdmissionSpan = "alert admit";

    static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartAdmission(Route route, ActivityContext publisher)
    {
        var span = publisher == default
            ? Source.StartActivity(AdmissionSpan, ActivityKind.Consumer)
            : Source.StartActivity(AdmissionSpan, ActivityKind.Consumer, publisher, links: [new ActivityLink(publisher)]);
        span?.SetTag("messaging.destination.name", route.Topology.Queue);
        span?.SetTag("alerts.route", route.Name);
        return span;
    }

    public static void Admitted(Activity? span, AdmittedAlert alert, string outcome)
    {
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("alerts.alert_id", alert.Id?.ToString());
            span.SetTag("alerts.routing_key", alert.RoutingKey.ToString());
            span.SetTag("alerts.group", alert.Group);
            span.SetTag("alerts.outcome", outcome);
        }
    }

    public static void Refused(Activity? span, Exception invalid)
    {
        span?.SetTag("alerts.outcome", "invalid");
        span?.SetStatus(ActivityStatusCode.Error, invalid.Message);
    }

    /// <summary>
    /// The publisher's span, from a message's AMQP headers: MassTransit's <c>MT-Activity-Id</c>, or W3C's <c>traceparent</c>
    /// that OpenTelemetry's instrumented AMQP clients write.
    /// </summary>
    public static ActivityContext PublisherOf(IDictionary<string, object?>? headers)
    {
        foreach (var name in new[] { DiagnosticHeaders.ActivityId, "traceparent" })
        {
            if (headers?.TryGetValue(name, out var value) == true
                && ActivityContext.TryParse(value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : value?.ToString(), null, isRemote: true, out var context))
            {
                return context;
            }
        }

        return default;
    }
}
