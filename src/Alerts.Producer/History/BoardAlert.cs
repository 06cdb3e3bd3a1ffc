using Alerts.Contracts;
using Alerts.Contracts.History;

namespace Alerts.Producer.History;

/// <summary>One alert the board holds as firing, by its fingerprint, with the routes that took it and their groups.</summary>
public sealed class BoardAlert(string fingerprint, IReadOnlyDictionary<string, string> labels, RoutingKey? routingKey, string? source)
{
    public string Fingerprint { get; } = fingerprint;

    public IReadOnlyDictionary<string, string> Labels { get; } = labels;

    public IReadOnlyDictionary<string, string> Annotations { get; set; } = new Dictionary<string, string>();

    public string? Text { get; set; }

    public DateTimeOffset StartsAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The end the alert said (Prometheus's <c>endsAt</c>), if it said one.</summary>
    public DateTimeOffset? SaidEnd { get; set; }

    public string GeneratorUrl { get; set; } = "";

    /// <summary>The routes that took the alert (<c>unrouted</c> when none did), each with the values of its grouping labels.</summary>
    public Dictionary<string, IReadOnlyDictionary<string, string>> Routes { get; } = new(StringComparer.Ordinal);

    /// <summary>How many times the alert was received since it began firing, re-sends included.</summary>
    public long Received { get; set; }

    /// <summary>When the alert stops firing unless it is seen again.</summary>
    public DateTimeOffset EndsAt(TimeSpan resolveTimeout) => SaidEnd ?? UpdatedAt + resolveTimeout;

    /// <summary>A label as silences see it, as the consumers' admission does: <c>severity</c>, <c>type</c>, <c>source</c> of the routing key and fields first.</summary>
    public string? Label(string name) => AlertEvent.LabelOf(name, Labels, routingKey, source);

    /// <summary>A label as a query's filter sees it: the labels shown first (a <c>severity="page"</c> is <c>page</c>), then the others.</summary>
    public string? Shown(string name) => Labels.TryGetValue(name, out var value) ? value : Label(name);
}
