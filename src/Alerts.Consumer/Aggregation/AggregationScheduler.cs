namespace Alerts.Consumer.Aggregation;

/// <summary>Publishes the notifications of the groups that are due, ten times a second.</summary>
public sealed class AggregationScheduler(RouteAggregations aggregations, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var aggregation in aggregations.All)
            {
                await aggregation.PublishDueAsync(stoppingToken);
            }
        }
    }
}
