using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Intake;

/// <summary>Tells <see cref="ParkedMessages"/> of each message MassTransit parks, from a route's queue or its digest queue.</summary>
public sealed class ParkedMessageObserver(IOptions<AlertsOptions> options, ParkedMessages parked) : IReceiveObserver
{
    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class
    {
        // Stopping: the message goes back to its queue unacknowledged, not to the error queue. A message offered to two
        // consumers (one that does not say its type, on a digest queue) is parked once, however many of them failed.
        var stopping = exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested;
        if (!stopping && !context.ReceiveContext.TryGetPayload<Counted>(out _))
        {
            context.ReceiveContext.GetOrAddPayload(() => new Counted());
            var owed = context.ReceiveContext.TryGetPayload<NotifiedReceivers>(out var notified) ? notified.Owed : [];
            Parked(context.ReceiveContext.InputAddress, context.MessageId?.ToString(), exception, context.Message, owed);
        }

        return Task.CompletedTask;
    }

    public Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        Parked(context.InputAddress, context.TransportHeaders.Get<string>("message_id"), exception);
        return Task.CompletedTask;
    }

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class => Task.CompletedTask;

    sealed class Counted;

    void Parked(Uri inputAddress, string? messageId, Exception exception, object? message = null, IReadOnlyList<string>? owed = null)
    {
        var queue = inputAddress.AbsolutePath[(inputAddress.AbsolutePath.LastIndexOf('/') + 1)..];
        parked.Parked(options.Value.FindRouteOfQueue(queue)?.Name ?? queue, queue, messageId, exception, message, owed);
    }
}
