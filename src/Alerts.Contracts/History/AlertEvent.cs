namespace Alerts.Contracts.History;

/// <summary>
/// One thing that happened to an alert on a route, as the consumers record it in the broker's history stream: the front
/// door reads the stream to answer what is firing and what happened. Re-sends of one alert within a few seconds are one
/// event with their <see cref="Count"/>, so a storm is a handful of events, not one per alert.
/// </summary>
/// <param name="Kind">One of <see cref="AlertEventKinds"/>.</param>
/// <param name="Route">The route that took the alert; null for what no route took.</param>
/// <param name="Fingerprint">Of <paramref name="Labels"/>; null for an event about a group (a digest notified or parked).</param>
/// <param name="Group">The values of the route's grouping labels: which of its groups the alert is in.</param>
/// <param name="RoutingKey">The key the alert was published with, which silences and filters read <c>severity</c> and <c>type</c> from.</param>
public sealed record AlertEvent(
    string Kind,
    DateTimeOffset At,
    string? Route,
    string? Fingerprint,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string>? Group = null,
    string? Text = null,
    IReadOnlyDictionary<string, string>? Annotations = null,
    DateTimeOffset? StartsAt = null,
    DateTimeOffset? EndsAt = null,
    string? GeneratorUrl = null,
    long Count = 1,
    IReadOnlyList<Guid>? SilencedBy = null,
    string? Receiver = null,
    string? Reason = null,
    string? RoutingKey = null,
    string? Source = null)
{
    /// <summary>
    /// A label as silences and filters see it, as the consumers' admission does: <c>severity</c> and <c>type</c> from the
    /// routing key, <c>source</c>, the alert's labels, and <c>alertname</c> as the type when the alert names itself not.
    /// </summary>
    public static string? LabelOf(string name, IReadOnlyDictionary<string, string> labels, Contracts.RoutingKey? key, string? source) =>
        name switch
        {
            "severity" when key is not null => Contracts.RoutingKey.FormatSeverity(key.Severity),
            "type" => key?.Type,
            "source" => source,
            _ when labels.TryGetValue(name, out var value) => value,
            "alertname" => key?.Type,
            _ => null,
        };
}

/// <summary>What an <see cref="AlertEvent"/> says became of an alert.</summary>
public static class AlertEventKinds
{
    /// <summary>A route took a firing alert (the front door tells a first sighting, <c>fired</c>, from a <c>resent</c>).</summary>
    public const string Received = "received";

    public const string Fired = "fired";

    public const string Resent = "resent";

    public const string Resolved = "resolved";

    /// <summary>A route took the alert and a silence muted it.</summary>
    public const string Silenced = "silenced";

    /// <summary>A receiver (mail, a webhook) accepted the alert's notification, or its group's digest.</summary>
    public const string Notified = "notified";

    /// <summary>The alert, or its notification, was parked in the route's error queue: see <see cref="AlertEvent.Reason"/>.</summary>
    public const string Parked = "parked";

    /// <summary>No route took the alert: it waits in the <c>unrouted</c> queue.</summary>
    public const string Unrouted = "unrouted";
}

/// <summary>
/// A route as a consumer serves it, announced in the history stream at start and every few hours, so the front door can
/// list the receivers and render the configuration without reading the consumers' settings. Secrets are not in it.
/// </summary>
/// <param name="Queue">The route's queue (its error queues are named after it); null from consumers that did not say, which named it as the route.</param>
public sealed record RouteAnnouncement(
    string Name,
    IReadOnlyList<string> Bindings,
    IReadOnlyList<string> GroupBy,
    bool Grouping,
    IReadOnlyList<string> To,
    string MailFrom,
    string MailServer,
    IReadOnlyList<AnnouncedWebhook> Webhooks,
    bool SendResolved,
    TimeSpan GroupWait,
    TimeSpan GroupInterval,
    TimeSpan RepeatInterval,
    DateTimeOffset At,
    string? Queue = null);

/// <summary>A webhook of an announced route: its format and its scheme, host and port (path and query may hold its secret).</summary>
public sealed record AnnouncedWebhook(string Format, string Origin, int MaxAlerts);
