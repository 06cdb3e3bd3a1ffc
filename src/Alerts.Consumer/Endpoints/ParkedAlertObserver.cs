using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Endpoints;

/// <summary>
/// Counts each alert parked in its queue's error queue, where an operator can see and replay it, and says
/// why in one log line: MassTransit's own fault logs carry a stack trace per message; an operator needs the reason.
/// </summary>
public sealed partial class ParkedAlertObserver(IOptions<AlertsOptions> options, AlertMetrics metrics, ILogger<ParkedAlertObserver> logger)
    : IReceiveObserver
{
    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class
    {
        if (exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            // Stopping: the alert goes back to its queue unacknowledged, not to the error queue.
            return Task.CompletedTask;
        }

        metrics.Parked(options.Value.RouteOfQueue(context.ReceiveContext.InputAddress).Name);
        LogParked(context.ReceiveContext.InputAddress.AbsolutePath.TrimStart('/'), context.MessageId?.ToString() ?? "(no id)", Reason(exception));
        return Task.CompletedTask;
    }

    public Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        metrics.Parked(options.Value.RouteOfQueue(context.InputAddress).Name);
        LogUnreadable(context.InputAddress.AbsolutePath.TrimStart('/'), context.TransportHeaders.Get<string>("message_id") ?? "(no id)", Reason(exception));
        return Task.CompletedTask;
    }

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class => Task.CompletedTask;

    /// <summary>The innermost message says what was wrong (a JSON error, an SMTP reply), not where.</summary>
    static string Reason(Exception exception) => exception.GetBaseException() is var inner && inner != exception
        ? $"{exception.Message}: {inner.Message}"
        : exception.Message;

    [LoggerMessage(LogLevel.Error, "Parked alert {MessageId} from {Queue} in its error queue: {Reason}")]
    partial void LogParked(string queue, string messageId, string reason);

    [LoggerMessage(LogLevel.Error, "Parked an unreadable message {MessageId} from {Queue} in its error queue: {Reason}")]
    partial void LogUnreadable(string queue, string messageId, string reason);
}
