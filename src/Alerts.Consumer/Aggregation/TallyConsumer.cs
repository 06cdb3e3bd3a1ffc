using MassTransit;

namespace Alerts.Consumer.Aggregation;

/// <summary>Adds each tally to its group; MassTransit acknowledges it once a confirmed notification or carry-over accounts for it.</summary>
public sealed class TallyConsumer(RouteAggregations aggregations) : IConsumer<AlertTally>
{
    public Task Consume(ConsumeContext<AlertTally> context)
    {
        context.Message.Check();
        return aggregations.ForQueue(context.ReceiveContext.InputAddress).AddAsync(context.Message, context.CancellationToken);
    }
}
