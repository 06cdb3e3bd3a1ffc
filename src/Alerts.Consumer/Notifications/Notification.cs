using Alerts.Consumer.Admission;
using Alerts.Consumer.Aggregation;

namespace Alerts.Consumer.Notifications;

/// <summary>
/// What a route's receivers are told: one alert, or the digest of a group's alerts since its last notification. A group's
/// notification travels on the route's digest queue, so that it is retried and parked as one alert is.
/// </summary>
/// <param name="Group">The group, by its labels: <c>{severity="critical", type="rate_limit", source="api-gateway"}</c>.</param>
public sealed record Notification(string Group, GroupSummary Summary)
{
    public static Notification Of(AdmittedAlert alert) => new(alert.Group, GroupSummary.Of(alert));
}
