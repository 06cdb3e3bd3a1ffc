using Alerts.Contracts;
using Alerts.Contracts.History;

namespace Alerts.Producer.History;

/// <summary>One event of the history as the front door keeps it: labels are shared by every event of one alert.</summary>
public sealed record HistoryEntry(
    long Offset, DateTimeOffset At, string Kind, string? Route, string? Fingerprint, IReadOnlyDictionary<string, string> Labels,
    RoutingKey? RoutingKey, string? Source, string? Text, long Count, IReadOnlyList<Guid>? SilencedBy, string? Receiver, string? Reason)
{
    /// <summary>A label as a query's filter sees it: the labels shown first, then <c>severity</c>, <c>type</c>, <c>source</c> of the routing key and fields.</summary>
    public string? Shown(string name) => Labels.TryGetValue(name, out var value) ? value : AlertEvent.LabelOf(name, Labels, RoutingKey, Source);
}
