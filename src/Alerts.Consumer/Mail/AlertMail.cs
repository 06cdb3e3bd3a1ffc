using Alerts.Consumer.Aggregation;
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

    public static MimeMessage Create(WholeAlert alert, string group, string routeName, RouteMailHeaders headers, DateTimeOffset now)
    {
        // Redelivered alerts keep one Message-Id, so mail clients can fold at-least-once duplicates. Given to the
        // constructor, it spares the random Message-Id MimeKit would otherwise generate for every mail.
        List<object> parts = alert.Id is { } id
            ? [new Header(HeaderId.MessageId, $"<{id:N}.{routeName}@{headers.Domain}>"), new Header("X-Alert-Id", id.ToString())]
            : [];
        parts.AddRange(headers.Of(alert.Resolved, now));
        parts.Add(new Header("X-Alert-Routing-Key", alert.RoutingKey));
        parts.Add(new Header(CountHeader, "1"));
        parts.Add(new Header(GroupHeader, group));
        parts.Add(new TextPart("plain") { Text = Body(alert, RoutingKey.Parse(alert.RoutingKey), routeName) });
        return new MimeMessage([.. parts]);
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
