using System.ComponentModel.DataAnnotations;

namespace Alerts.Consumer.Settings;

/// <summary>The <c>Alerts</c> section: the routes, which of them this instance serves, and how it consumes.</summary>
public sealed class AlertsOptions
{
    public const string SectionName = "Alerts";

    /// <summary>Each route: a queue, the topic patterns bound to it, and the team it mails.</summary>
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
    /// Alerts mailed at once per queue, and so the most SMTP connections one queue keeps open. A mail server
    /// that takes 50 ms per mail caps one connection below 20 mails/s; 32 in parallel reach several hundred.
    /// </summary>
    [Range(1, 1_000, ErrorMessage = "Alerts:ConcurrentMessageLimit must be between 1 and 1000")]
    public int ConcurrentMessageLimit { get; set; } = 32;

    /// <summary>Quorum queues (the default) are replicated and fsynced; classic queues suit a single broker only.</summary>
    [EnumDataType(typeof(QueueType), ErrorMessage = "Alerts:QueueType must be Quorum or Classic")]
    public QueueType QueueType { get; set; } = QueueType.Quorum;

    public RetryOptions Retry { get; set; } = new();

    public IEnumerable<string> ServedRouteNames() =>
        string.IsNullOrWhiteSpace(Serve)
            ? Routes.Keys
            : Serve.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public IEnumerable<(string Name, RouteOptions Route)> ServedRoutes() =>
        ServedRouteNames().Select(name => (name, Routes[name]));

    /// <summary>Each route has a queue of its own, so the queue an alert came from names its route.</summary>
    public (string Name, RouteOptions Route) RouteOfQueue(Uri inputAddress) => RouteWhere(inputAddress, route => route.Queue);

    /// <summary>The route whose digest queue a tally came from.</summary>
    public (string Name, RouteOptions Route) RouteOfDigestQueue(Uri inputAddress) => RouteWhere(inputAddress, route => route.DigestQueue);

    (string Name, RouteOptions Route) RouteWhere(Uri inputAddress, Func<RouteOptions, string> queueOf)
    {
        var queue = inputAddress.AbsolutePath[(inputAddress.AbsolutePath.LastIndexOf('/') + 1)..];
        foreach (var (name, route) in Routes)
        {
            if (queueOf(route) == queue)
            {
                return (name, route);
            }
        }

        throw new InvalidOperationException($"no route in Alerts:Routes consumes queue '{queue}'");
    }
}

public enum QueueType
{
    Quorum,
    Classic,
}

public sealed class RouteOptions
{
    public string Queue { get; set; } = "";

    /// <summary>Topic patterns on the alerts exchange: <c>critical.*</c>, <c>*.rate_limit</c>, <c>#</c>.</summary>
    public List<string> Bindings { get; set; } = [];

    /// <summary>Recipients, as e-mail addresses (<c>ops@example.com</c> or <c>Ops &lt;ops@example.com&gt;</c>).</summary>
    public List<string> To { get; set; } = [];

    public string Subject { get; set; } = "";

    public GroupingOptions Grouping { get; set; } = new();

    /// <summary>Mail resolutions (an alert whose problem ended) with RESOLVED in the subject; false acknowledges them unmailed.</summary>
    public bool SendResolved { get; set; } = true;

    /// <summary>The queue where this route's replicas hand their folded alerts to the one replica that mails the route's groups.</summary>
    public string DigestQueue => $"{Queue}.digest";
}

/// <summary>
/// How a route turns a storm into a few digests, as Alertmanager's <c>group_by</c>, <c>group_wait</c>,
/// <c>group_interval</c> and <c>repeat_interval</c> do; with <see cref="Enabled"/> off, one mail per alert.
/// </summary>
public sealed class GroupingOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Labels whose values make a group: <c>severity</c>, <c>type</c>, <c>source</c>, <c>alertname</c>, or any label alerts carry.</summary>
    public List<string> By { get; set; } = ["severity", "type", "source"];

    /// <summary>How long a new group gathers alerts before its first mail.</summary>
    public TimeSpan GroupWait { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A group is mailed at most this often, and only when alerts arrived since its last mail.</summary>
    public TimeSpan GroupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The same alert id within this long is one event; after it, the id counts as a new alert.</summary>
    public TimeSpan RepeatInterval { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Alert ids remembered per group for <see cref="RepeatInterval"/>, oldest forgotten first: the bound on memory in a storm.</summary>
    public int MaxRememberedIds { get; set; } = 10_000;
}

/// <summary>
/// How a failed send is retried before the alert is parked in the route's error queue: by default
/// 10 retries, 1 s doubling up to 60 s, about five minutes in all, so a mail server restart or a short
/// outage heals without an operator. Retries happen in the consumer while the alert stays
/// unacknowledged on the broker, so a crash mid-retry hands the alert back to the queue; Debian's broker
/// lacks the delayed-message plugin that MassTransit's delayed redelivery would need.
/// </summary>
public sealed class RetryOptions
{
    [Range(0, 100, ErrorMessage = "Alerts:Retry:Limit must be between 0 and 100")]
    public int Limit { get; set; } = 10;

    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxInterval { get; set; } = TimeSpan.FromSeconds(60);
}
