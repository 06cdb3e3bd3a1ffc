using Alerts.Consumer.History;
using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Intake;

/// <summary>
/// Says that a message was parked in its queue's error queue, whoever parked it (MassTransit, or the grouping intake),
/// in one log line with the reason and a count per route: MassTransit's own fault log carries a stack trace per message.
/// </summary>
public sealed partial class ParkedMessages(
    IOptions<AlertsOptions> options, AlertMetrics metrics, HistoryRecorder history, TimeProvider time, ILogger<ParkedMessages> logger)
{
    /// <param name="message">What was parked, when it could be read: a notification counts its alerts.</param>
    /// <param name="owed">The receivers that did not have the notification when it was parked.</param>
    public void Parked(string route, string queue, string? messageId, Exception exception, object? message = null, IReadOnlyList<string>? owed = null)
    {
        metrics.Parked(route, message is Notification notification ? notification.Summary.Count : 1);
        foreach (var receiver in owed ?? [])
        {
            metrics.NotificationParked(route, receiver);
        }

        var reason = Reason(exception);
        history.Parked(options.Value.FindRouteOfQueue(queue), route, message, reason);
        LogParked(message is Notification ? "notification" : "alert", messageId ?? "(no id)", queue, reason);
    }

    /// <summary>The headers MassTransit writes on a message it parks, for one the intake parks: operators and replay read both alike.</summary>
    public Dictionary<string, object?> FaultHeaders(Exception exception) => new()
    {
        [MessageHeaders.Reason] = "fault",
        [MessageHeaders.FaultExceptionType] = TypeCache.GetShortName(exception.GetBaseException().GetType()),
        [MessageHeaders.FaultMessage] = exception.GetBaseException().Message,
        [MessageHeaders.FaultTimestamp] = time.GetUtcNow().ToString("O"),
    };

    /// <summary>The innermost message says what was wrong (a JSON error, an SMTP reply), the outer one in which step.</summary>
    static string Reason(Exception exception) => exception.GetBaseException() is var inner && inner != exception
        ? $"{exception.Message}: {inner.Message}"
        : exception.Message;

    [LoggerMessage(LogLevel.Error, "Parked {What} {MessageId} from {Queue} in its error queue: {Reason}")]
    partial void LogParked(string what, string messageId, string queue, string reason);
}
