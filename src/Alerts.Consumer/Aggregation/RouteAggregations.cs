using System.Collections.Concurrent;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Aggregation;

/// <summary>The aggregation of each route this replica notifies the groups of (it is then its digest queue's active consumer).</summary>
public sealed class RouteAggregations(IOptions<AlertsOptions> options, IBus bus, AlertMetrics metrics, TimeProvider time, ILoggerFactory loggers)
{
    readonly ConcurrentDictionary<string, RouteAggregation> _routes = new(StringComparer.OrdinalIgnoreCase);
    readonly ILogger _logger = loggers.CreateLogger<RouteAggregation>();

    public RouteAggregation For(Route route) => _routes.GetOrAdd(route.Name, _ =>
        new RouteAggregation(route, (message, cancellationToken) => PublishAsync(route, message, cancellationToken), metrics, time, _logger));

    /// <summary>The aggregation of the route whose digest queue a tally came from.</summary>
    public RouteAggregation ForQueue(Uri digestQueue) => For(options.Value.RouteOfQueue(digestQueue));

    public ICollection<RouteAggregation> All => _routes.Values;

    /// <summary>To the route's digest queue alone, confirmed by the broker (the bus has publisher confirms on).</summary>
    async Task PublishAsync(Route route, object message, CancellationToken cancellationToken)
    {
        var digestQueue = await bus.GetSendEndpoint(new Uri($"exchange:{route.Topology.DigestQueue}"));
        await digestQueue.Send(message, message.GetType(), cancellationToken);
    }
}
