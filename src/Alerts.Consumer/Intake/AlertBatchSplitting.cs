using System.Diagnostics;
using Alerts.Consumer.Admission;
using Alerts.Contracts;
using MassTransit;
using MassTransit.Context;

namespace Alerts.Consumer.Intake;

/// <summary>
/// On a route that notifies each alert alone, takes an <see cref="AlertBatch"/> apart before any consumer sees it: each of
/// its alerts goes back to the route's queue as a message of its own, under the batch's routing key, and the batch is
/// acknowledged once the broker confirmed them all. Each alert then has its own retries, acknowledgement and parking, as
/// if it had been published alone. A batch that cannot be read is parked whole, and none of its alerts is sent.
/// </summary>
/// <remarks>
/// A filter rather than a consumer: a plain alert names no message type, so MassTransit would offer it to a batch consumer too.
/// </remarks>
public sealed class AlertBatchSplitting : IFilter<ConsumeContext>
{
    // Not async itself: every plain alert passes here, and goes on without a state machine of this filter's.
    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next) =>
        AlertBatch.IsBatch(context.ReceiveContext.Body.GetBytes()) ? SplitAsync(context) : next.Send(context);

    static async Task SplitAsync(ConsumeContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var batch = new AlertBatch(KeyOf(context), AlertBatch.Read(context.ReceiveContext.Body.GetBytes()));
        // The queue's own exchange, which MassTransit puts in front of it, keeps the routing key on the way back in.
        var queue = await context.GetSendEndpoint(new Uri($"exchange:{context.ReceiveContext.InputAddress.AbsolutePath.Split('/')[^1]}"));
        await Task.WhenAll(batch.Alerts.Select(alert =>
            queue.Send(alert with { Severity = batch.RoutingKey.Severity, Type = batch.RoutingKey.Type }, context.CancellationToken)));
        await context.NotifyConsumed(new MessageConsumeContext<AlertBatch>(context, batch), Stopwatch.GetElapsedTime(started), nameof(AlertBatchSplitting));
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("alertBatchSplitting");

    // The key says what every alert of the batch is, whatever their bodies say, as it does for a lone alert.
    static RoutingKey KeyOf(ConsumeContext context) => RoutingKey.TryParse(context.RoutingKey(), out var key, out var error)
        ? key
        : throw new InvalidAlertException($"the batch's routing key '{context.RoutingKey()}' is not SEVERITY.TYPE: {error}");
}
