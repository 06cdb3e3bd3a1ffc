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
        ArgumentNullException.ThrowIfNull(routingKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(text);

        var alert = Alert.Create(routingKey, text, string.IsNullOrWhiteSpace(source) ? DefaultSource : source, time.GetUtcNow());
        await publishEndpoint.Publish(alert, cancellationToken);
        return alert;
    }

    /// <summary>
    /// Publishes many alerts for a bulk sender, keeping up to <paramref name="maxInFlight"/> awaiting the broker's
    /// confirm at once instead of one round trip per alert. Completes once every alert was confirmed.
    /// </summary>
    public async Task<IReadOnlyList<Alert>> PublishManyAsync(
        IEnumerable<(RoutingKey RoutingKey, string Text)> alerts, string? source = null, int maxInFlight = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);

        var pending = alerts.Select(alert => (alert.RoutingKey, alert.Text)).ToList();
        var published = new Alert[pending.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, pending.Count),
            new ParallelOptions { MaxDegreeOfParallelism = maxInFlight, CancellationToken = cancellationToken },
            async (index, token) => published[index] = await PublishAsync(pending[index].RoutingKey, pending[index].Text, source, token));
        return published;
    }
}
