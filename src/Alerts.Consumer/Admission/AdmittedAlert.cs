using Alerts.Contracts;

namespace Alerts.Consumer.Admission;

/// <summary>An alert admitted to a route: checked, complete enough to notify, whichever form it arrived in, and placed in its group.</summary>
public sealed record AdmittedAlert(
    Guid? Id, RoutingKey RoutingKey, string Text, string? Source, DateTimeOffset? OccurredAt, IReadOnlyDictionary<string, string>? ExtraLabels = null,
    bool Resolved = false)
{
    /// <summary>The group this alert belongs to, named by the values of the grouping labels: <c>{severity="critical", type="rate_limit"}</c>.</summary>
    public string Group { get; init; } = "";

    /// <summary>Descriptions (<c>summary</c>, <c>runbook_url</c>, …) as the alert gave them, for receivers that show them.</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    public DateTimeOffset? EndsAt { get; init; }

    public string? GeneratorUrl { get; init; }

    /// <summary>
    /// The delivery's routing key is the source of truth (the book's bare-string alerts carry nothing else);
    /// an alert that came without one, as in-process, is described by its own severity and type.
    /// </summary>
    /// <exception cref="InvalidAlertException">The alert cannot be notified as it is.</exception>
    public static AdmittedAlert From(Alert alert, string? deliveryRoutingKey, Guid? messageId, int maxTextLength, IEnumerable<string> groupBy)
    {
        RoutingKey? routingKey;
        if (string.IsNullOrEmpty(deliveryRoutingKey))
        {
            routingKey = alert.RoutingKey
                ?? throw new InvalidAlertException("the alert has no routing key and no valid severity and type");
        }
        else if (!RoutingKey.TryParse(deliveryRoutingKey, out routingKey, out var error))
        {
            throw new InvalidAlertException(error);
        }

        if (string.IsNullOrWhiteSpace(alert.Text))
        {
            throw new InvalidAlertException("the alert has no text");
        }

        if (alert.Text.Length > maxTextLength)
        {
            throw new InvalidAlertException($"the alert text has {alert.Text.Length} characters; at most {maxTextLength} are mailed (Alerts:MaxTextLength)");
        }

        var admitted = new AdmittedAlert(alert.Id ?? messageId, routingKey, alert.Text, alert.Source, alert.OccurredAt, alert.Labels, alert.Resolved == true);
        return admitted with
        {
            Group = admitted.GroupKey(groupBy),
            Annotations = alert.Annotations,
            EndsAt = alert.EndsAt,
            GeneratorUrl = alert.GeneratorUrl,
        };
    }

    /// <summary>
    /// What silences match and groups are made of: the alert's own labels, then <c>severity</c>, <c>type</c> and
    /// <c>source</c> from its fields; <c>alertname</c> is the type unless the alert names itself, so Alertmanager habits work.
    /// </summary>
    public string? Label(string name) => name switch
    {
        "severity" => RoutingKey.FormatSeverity(RoutingKey.Severity),
        "type" => RoutingKey.Type,
        "source" => Source,
        _ when ExtraLabels?.TryGetValue(name, out var value) == true => value,
        "alertname" => RoutingKey.Type,
        _ => null,
    };

    /// <remarks>A resolution is a group of its own: its notification says RESOLVED.</remarks>
    string GroupKey(IEnumerable<string> groupBy) =>
        $"{{{string.Join(", ", groupBy.Select(label => $"{label}=\"{Label(label)}\""))}{(Resolved ? ", resolved=\"true\"" : "")}}}";
}
