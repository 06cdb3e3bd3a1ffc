using Alerts.Contracts;

namespace Alerts.Consumer.Consumers;

/// <summary>An alert checked and complete enough to mail, whichever form it arrived in.</summary>
public sealed record RoutedAlert(Guid? Id, RoutingKey RoutingKey, string Text, string? Source, DateTimeOffset? OccurredAt)
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

        return new RoutedAlert(alert.Id ?? messageId, routingKey, alert.Text, alert.Source, alert.OccurredAt);
    }
}
