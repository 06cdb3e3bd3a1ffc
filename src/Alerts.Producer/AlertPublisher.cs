using Alerts.Contracts;
using MassTransit;

namespace Alerts.Producer;

/// <summary>
/// Publishes an alert in one call: <c>await alerts.PublishAsync(RoutingKey.Parse("critical.rate_limit"), "Hacker at 10k req/s")</c>.
/// The returned task completes once the broker has confirmed the message, so a caller that awaited it knows the alert is safe.
/// </summary>
public sealed class AlertPublisher(IPublishEndpoint publishEndpoint, TimeProvider time)
{
    /// <summary>Names this process as the alert's source when the caller gives none.</summary>
    public static string DefaultSource { get; } = AppDomain.CurrentDomain.FriendlyName;

    public async Task<Alert> PublishAsync(RoutingKey routingKey, string text, string? source = null, CancellationToken cancellationToken = default)
    {
        var alert = Create(routingKey, text, source);
        await publishEndpoint.Publish(alert, cancellationToken);
        return alert;
    }

    /// <summary>
    /// Publishes as <see cref="PublishAsync"/> does, and tells whether a route's queue took the alert. The broker returns
    /// an alert that no route takes to a publisher that asks for it, instead of keeping it; it is then published again
    /// as any other, and the alerts exchange's alternate exchange keeps it in the unrouted queue.
    /// </summary>
    public async Task<(Alert Alert, bool Routed)> PublishAndCheckRouteAsync(
        RoutingKey routingKey, string text, string? source = null, CancellationToken cancellationToken = default)
    {
        var alert = Create(routingKey, text, source);
        try
        {
            await publishEndpoint.Publish(alert, context =>
            {
                context.Headers.Set(AlertsTopology.UnroutedHeader, AlertsTopology.ReturnUnrouted);
                if (context.TryGetPayload(out RabbitMqSendContext? rabbit))
                {
                    rabbit.Mandatory = true;
                }
            }, cancellationToken);
            return (alert, true);
        }
        catch (MessageReturnedException)
        {
            await publishEndpoint.Publish(alert, cancellationToken);
            return (alert, false);
        }
    }

    Alert Create(RoutingKey routingKey, string text, string? source)
    {
        ArgumentNullException.ThrowIfNull(routingKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return Alert.Create(routingKey, text, string.IsNullOrWhiteSpace(source) ? DefaultSource : source, time.GetUtcNow());
    }

    /// <summary>
    /// Publishes many alerts for a bulk sender: those that share a routing key travel together as <see cref="AlertBatch"/>es,
    /// and up to <paramref name="maxInFlight"/> messages await the broker's confirm at once instead of one round trip each.
    /// Completes once every alert was confirmed.
    /// </summary>
    public async Task<IReadOnlyList<Alert>> PublishManyAsync(
        IEnumerable<(RoutingKey RoutingKey, string Text)> alerts, string? source = null, int maxInFlight = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var created = alerts.Select(alert => Create(alert.RoutingKey, alert.Text, source)).ToList();
        await PublishManyAsync(created, maxInFlight, cancellationToken);
        return created;
    }

    /// <summary>Publishes alerts made elsewhere (by the HTTP front door) as the bulk path does; completes once all are confirmed.</summary>
    public Task PublishManyAsync(IReadOnlyList<Alert> alerts, int maxInFlight = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        return Parallel.ForEachAsync(AlertBatch.Messages(alerts), new ParallelOptions { MaxDegreeOfParallelism = maxInFlight, CancellationToken = cancellationToken },
            async (message, token) => await (message is AlertBatch batch ? publishEndpoint.Publish(batch, token) : publishEndpoint.Publish((Alert)message, token)));
    }
}
