using System.Text.Json;

namespace Alerts.Contracts.History;

/// <summary>
/// The alert history's place in RabbitMQ: a stream behind a fanout exchange, both named <see cref="Name"/>, that the
/// consumers append <see cref="AlertEvent"/>s and <see cref="RouteAnnouncement"/>s to and every front door reads. The
/// deployment binds it to the <c>unrouted</c> exchange too, so what no route takes is in it as the alert itself.
/// Bounded by age and size by the <c>history-bounds</c> policy.
/// </summary>
public static class AlertHistory
{
    public const string Name = "history";

    /// <summary>
    /// The AMQP type of a message holding a JSON array of <see cref="AlertEvent"/>s that one consumer wrote together: the
    /// broker's cost is per message, and a history of one message per event cost it more than the alerts themselves.
    /// </summary>
    public const string EventsType = "alert-events";

    /// <summary>The AMQP type of a message holding one <see cref="AlertEvent"/>, as consumers wrote them before; still read.</summary>
    public const string EventType = "alert-event";

    /// <summary>The AMQP type of a message holding a <see cref="RouteAnnouncement"/>.</summary>
    public const string RouteType = "route";

    /// <summary>A reader's own message: once it reads it back, it has read everything written before.</summary>
    public const string MarkerType = "marker";

    /// <summary>The receiver name of alerts that no route took.</summary>
    public const string Unrouted = "unrouted";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
