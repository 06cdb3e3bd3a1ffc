using System.Text.Json.Serialization;
using Alerts.Consumer.Aggregation;
using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;
using Alerts.Contracts;

namespace Alerts.Consumer.Webhooks;

/// <summary>
/// Alertmanager's webhook payload, version 4, field for field as its <c>notify/webhook/webhook.go</c> and
/// <c>template/template.go</c> write it, so that every bridge built for Alertmanager reads ours.
/// </summary>
public sealed record AlertmanagerMessage(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("groupKey")] string GroupKey,
    [property: JsonPropertyName("truncatedAlerts")] long TruncatedAlerts,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("receiver")] string Receiver,
    [property: JsonPropertyName("groupLabels")] Dictionary<string, string> GroupLabels,
    [property: JsonPropertyName("commonLabels")] Dictionary<string, string> CommonLabels,
    [property: JsonPropertyName("commonAnnotations")] Dictionary<string, string> CommonAnnotations,
    [property: JsonPropertyName("externalURL")] string ExternalUrl,
    [property: JsonPropertyName("alerts")] List<AlertmanagerAlert> Alerts)
{
    /// <summary>
    /// A notification as Alertmanager would post it: at most <paramref name="maxAlerts"/> of its alerts listed, and the
    /// rest counted in <c>truncatedAlerts</c>, so that the two add up to every alert the notification accounts for.
    /// </summary>
    public static AlertmanagerMessage From(Route route, Notification notification, int maxAlerts, string externalUrl)
    {
        var summary = notification.Summary;
        var alerts = summary.WholeAlerts.Take(maxAlerts).Select(alert => AlertmanagerAlert.From(alert, summary.LastSeen)).ToList();
        var first = summary.WholeAlerts is [var head, ..] ? head.ToAdmittedAlert() : null;
        var groupLabels = route.Options.Grouping.By
            .Select(name => (Name: name, Value: first?.Label(name)))
            .Where(label => label.Value is not null)
            .ToDictionary(label => label.Name, label => label.Value!);
        return new AlertmanagerMessage(
            "4",
            $"{{}}/{{route=\"{route.Name}\"}}:{notification.Group}",
            summary.Count - alerts.Count,
            summary.Resolved ? "resolved" : "firing",
            route.Name,
            groupLabels,
            Common(alerts.Select(alert => alert.Labels)),
            Common(alerts.Select(alert => alert.Annotations)),
            externalUrl,
            alerts);
    }

    /// <summary>The pairs every one of the sets has, as Alertmanager's common labels and annotations.</summary>
    static Dictionary<string, string> Common(IEnumerable<Dictionary<string, string>> sets)
    {
        Dictionary<string, string>? common = null;
        foreach (var set in sets)
        {
            common = common is null
                ? new Dictionary<string, string>(set)
                : common.Where(pair => set.TryGetValue(pair.Key, out var value) && value == pair.Value).ToDictionary();
        }

        return common ?? [];
    }
}

/// <summary>One alert of the payload, as Alertmanager's template data has it.</summary>
public sealed record AlertmanagerAlert(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("labels")] Dictionary<string, string> Labels,
    [property: JsonPropertyName("annotations")] Dictionary<string, string> Annotations,
    [property: JsonPropertyName("startsAt")] DateTimeOffset StartsAt,
    [property: JsonPropertyName("endsAt")] DateTimeOffset EndsAt,
    [property: JsonPropertyName("generatorURL")] string GeneratorUrl,
    [property: JsonPropertyName("fingerprint")] string Fingerprint)
{
    /// <summary>Go's zero time, which Alertmanager writes for an alert that has no end yet.</summary>
    static readonly DateTimeOffset NoEnd = new(1, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <param name="seen">When the group last saw an alert: the start of one that says none, the end of a resolution that says none.</param>
    public static AlertmanagerAlert From(WholeAlert alert, DateTimeOffset? seen)
    {
        var labels = AlertLabels.Of(alert.Labels, RoutingKey.Parse(alert.RoutingKey), alert.Source);
        var annotations = alert.Annotations is { Count: > 0 } own ? new Dictionary<string, string>(own) : new() { ["summary"] = alert.Text };
        var startsAt = alert.OccurredAt ?? seen ?? DateTimeOffset.UtcNow;
        var endsAt = alert.EndsAt ?? (alert.Resolved ? seen ?? startsAt : NoEnd);
        return new(alert.Resolved ? "resolved" : "firing", labels, annotations, startsAt, endsAt, alert.GeneratorUrl ?? "", AlertLabels.Fingerprint(labels));
    }
}
