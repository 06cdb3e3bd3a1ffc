using Alerts.Consumer.Aggregation;
using Alerts.Consumer.Settings;
using Alerts.Contracts;
using MimeKit;

namespace Alerts.Consumer.Mail;

/// <summary>
/// Builds the e-mail for one alert. Headers come only from configuration and from checked values (the id, the routing
/// key, the group); the alert's own text and source go into the body and nowhere else, so no alert can add a header, a
/// recipient or a second message.
/// </summary>
public static class AlertMail
{
    /// <summary>How Alertmanager's mails mark a resolution.</summary>
    public const string Resolved = "[RESOLVED] ";

    /// <summary>How many alerts a mail accounts for: 1, or a digest's count.</summary>
    public const string CountHeader = "X-Alert-Count";

    /// <summary>The group a mail is for: <c>{severity="critical", type="rate_limit", source="api-gateway"}</c>.</summary>
    public const string GroupHeader = "X-Alert-Group";

    public static MimeMessage Create(WholeAlert alert, string group, string routeName, RouteOptions route, MailboxAddress from)
    {
        // Redelivered alerts keep one Message-Id, so mail clients can fold at-least-once duplicates. Given to the
        // constructor, it spares the random Message-Id MimeKit would otherwise generate for every mail.
        var message = alert.Id is { } id
            ? new MimeMessage(new Header(HeaderId.MessageId, $"<{id:N}.{routeName}@{from.Domain}>"), new Header("X-Alert-Id", id.ToString()))
            : new MimeMessage();
        message.Subject = alert.Resolved ? $"{Resolved}{route.Subject}" : route.Subject;
        // A copy per message: an address list subscribes to its addresses' Changed events, so one shared
        // instance would keep every message ever sent alive (a heap dump under load held 14,562 of them).
        message.From.Add(new MailboxAddress(from.Name, from.Address));
        message.To.AddRange(route.To.Select(MailboxAddress.Parse));

        message.Headers.Add("X-Alert-Routing-Key", alert.RoutingKey);
        message.Headers.Add(CountHeader, "1");
        message.Headers.Add(GroupHeader, group);
        message.Body = new TextPart("plain") { Text = Body(alert, RoutingKey.Parse(alert.RoutingKey), routeName) };
        return message;
    }

    static string Body(WholeAlert alert, RoutingKey routingKey, string routeName) => $"""
        {RoutingKey.FormatSeverity(routingKey.Severity).ToUpperInvariant()} alert: {routingKey.Type}{(alert.Resolved ? " (resolved)" : "")}

        {alert.Text}

        Routing key: {routingKey}
        Source:      {alert.Source ?? "(not given)"}
        Occurred at: {alert.OccurredAt?.ToString("u") ?? "(not given)"}
        Alert id:    {alert.Id?.ToString() ?? "(not given)"}
        Route:       {routeName}
        """;
}
