using Alerts.Consumer.Consumers;

namespace Alerts.Consumer.Digests;

/// <summary>
/// What a route's replicas hand, confirmed, to the one replica that mails the route's groups (the digest queue's single
/// active consumer): the alerts of one group from one batch, or what that replica itself carried over for a group.
/// The alerts it accounts for are acknowledged once this is confirmed; it is acknowledged once a mail accounts for it.
/// </summary>
public sealed record AlertTally
{
    public required string Group { get; init; }

    /// <summary>Alerts as received, each deduplicated by its id where it is mailed.</summary>
    public List<TalliedAlert> Alerts { get; init; } = [];

    /// <summary>Alerts already deduplicated and summed, carried over by the replica that mails the group.</summary>
    public GroupSummary? Carried { get; init; }
}

/// <summary>One alert in a tally, with the time it was seen (when it occurred, or else when it was received).</summary>
public sealed record TalliedAlert(
    Guid? Id, string RoutingKey, string Text, string? Source, DateTimeOffset? OccurredAt, IReadOnlyDictionary<string, string>? Labels, DateTimeOffset SeenAt)
{
    public static TalliedAlert From(RoutedAlert alert, DateTimeOffset receivedAt, int maxTextLength) => new(
        alert.Id, alert.RoutingKey.ToString(), alert.Text.Length <= maxTextLength ? alert.Text : alert.Text[..maxTextLength],
        alert.Source, alert.OccurredAt, alert.ExtraLabels, alert.OccurredAt ?? receivedAt);

    public RoutedAlert ToRoutedAlert() => new(Id, Contracts.RoutingKey.Parse(RoutingKey), Text, Source, OccurredAt, Labels);
}
