using System.ComponentModel.DataAnnotations;
using Alerts.Contracts;

namespace Alerts.Consumer.Settings;

/// <summary>The <c>Alerts</c> section: the routes, which of them this instance serves, and how it consumes.</summary>
public sealed class AlertsOptions
{
    public const string SectionName = "Alerts";

    RouteIndex? _index;

    /// <summary>Each route: a queue, the topic patterns bound to it, and the team it notifies.</summary>
    public Dictionary<string, RouteOptions> Routes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Comma-separated route names this instance consumes; empty serves every route.</summary>
    public string? Serve { get; set; }

    /// <summary>Longer alert texts are parked, not mailed.</summary>
    [Range(1, 1024 * 1024, ErrorMessage = "Alerts:MaxTextLength must be between 1 and 1048576 characters")]
    public int MaxTextLength { get; set; } = 64 * 1024;

    /// <summary>Alerts each instance holds unacknowledged from a queue: twice the sends in progress keeps them fed.</summary>
    [Range(1, 10_000, ErrorMessage = "Alerts:PrefetchCount must be between 1 and 10000")]
    public int PrefetchCount { get; set; } = 64;

    /// <summary>
    /// Notifications sent at once per queue, and so the most SMTP connections one queue keeps open. A mail server
    /// that takes 50 ms per mail caps one connection below 20 mails/s; 32 in parallel reach several hundred.
    /// </summary>
    [Range(1, 1_000, ErrorMessage = "Alerts:ConcurrentMessageLimit must be between 1 and 1000")]
    public int ConcurrentMessageLimit { get; set; } = 32;

    /// <summary>Quorum queues (the default) are replicated and fsynced; classic queues suit a single broker only.</summary>
    [EnumDataType(typeof(QueueType), ErrorMessage = "Alerts:QueueType must be Quorum or Classic")]
    public QueueType QueueType { get; set; } = QueueType.Quorum;

    public RetryOptions Retry { get; set; } = new();

    /// <summary>Where people open the front door (<c>https://alerts.example.com</c>): the <c>externalURL</c> webhooks are given.</summary>
    public string? ExternalUrl { get; set; }

    public IEnumerable<string> ServedRouteNames() =>
        string.IsNullOrWhiteSpace(Serve)
            ? Routes.Keys
            : Serve.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public IEnumerable<Route> ServedRoutes() => ServedRouteNames().Select(RouteNamed);

    public Route RouteNamed(string name) => Index().ByName[name];

    /// <summary>The route a queue belongs to (its own queue, its digest queue, or either's error queue): each route has queues of its own.</summary>
    public Route? FindRouteOfQueue(string queue) => Index().ByQueue.GetValueOrDefault(queue);

    /// <summary>The route whose queue a message came from, by the receive endpoint's address.</summary>
    public Route RouteOfQueue(Uri inputAddress)
    {
        var queue = inputAddress.AbsolutePath[(inputAddress.AbsolutePath.LastIndexOf('/') + 1)..];
        return FindRouteOfQueue(queue) ?? throw new InvalidOperationException($"no route in Alerts:Routes consumes queue '{queue}'");
    }

    // Settled once bound; every message asks for its route.
    RouteIndex Index()
    {
        if (_index is { } index)
        {
            return index;
        }

        var byName = Routes.ToDictionary(
            route => route.Key,
            route => new Route(route.Key, route.Value, new RouteTopology(route.Value.Queue, route.Value.Bindings, QueueType == QueueType.Quorum)),
            StringComparer.OrdinalIgnoreCase);
        var byQueue = new Dictionary<string, Route>(StringComparer.Ordinal);
        foreach (var route in byName.Values)
        {
            foreach (var (queue, errorQueue) in route.Topology.Parking)
            {
                byQueue.TryAdd(queue, route);
                byQueue.TryAdd(errorQueue, route);
            }
        }

        return _index = new RouteIndex(byName, byQueue);
    }

    sealed record RouteIndex(Dictionary<string, Route> ByName, Dictionary<string, Route> ByQueue);
}

public enum QueueType
{
    Quorum,
    Classic,
}
