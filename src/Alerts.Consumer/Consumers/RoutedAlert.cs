using Alerts.Contracts;

namespace Alerts.Consumer.Consumers;

/// <summary>An alert checked and complete enough to mail, whichever form it arrived in.</summary>
public sealed record RoutedAlert(
    Guid? Id, RoutingKey RoutingKey, string Text, string? Source, DateTimeOffset? OccurredAt, IReadOnlyDictionary<string, string>? ExtraLabels = null,
    bool Resolved = false)
{
    /// <summary>
    /// The delivery's routing key is the source of truth (the book's bare-string alerts carry nothing else);
    /// an alert that came without one, as in-process, is described by its own severity and type.
    /// </summary>
    /// <exception cref="InvalidAlertException">The alert cannot be mailed as it is.</exception>
    public static RoutedAlert From(Alert alert, string? deliveryRoutingKey, Guid? messageId, int maxTextLength)
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

        return new RoutedAlert(alert.Id ?? messageId, routingKey, alert.Text, alert.Source, alert.OccurredAt, alert.Labels, alert.Resolved == true);
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

    /// <summary>The group this alert belongs to, named by the values of the grouping labels: <c>{severity="critical", type="rate_limit"}</c>.</summary>
    /// A resolution is a group of its own: its mail says RESOLVED.
    public string GroupKey(IEnumerable<string> groupBy) =>
        $"{{{string.Join(", ", groupBy.Select(label => $"{label}=\"{Label(label)}\""))}{(Resolved ? ", resolved=\"true\"" : "")}}}";
}
