namespace Alerts.Consumer.Settings;

/// <summary>
/// A webhook a route posts its notifications to, in Alertmanager's webhook format (which dozens of bridges take: IRC,
/// Teams, Telegram, SMS gateways) or as the JSON that Slack, Mattermost and Rocket.Chat incoming webhooks accept.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>An absolute http or https URL. It may hold a secret (Slack's does), so it is never logged whole.</summary>
    public string Url { get; set; } = "";

    /// <summary>Sent as <c>Authorization: Bearer …</c>; or else <see cref="Username"/> and <see cref="Password"/> as basic authentication.</summary>
    public string? BearerToken { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>The most alerts one notification lists; the rest are counted in <c>truncatedAlerts</c>.</summary>
    public int MaxAlerts { get; set; } = 20;

    public WebhookFormat Format { get; set; } = WebhookFormat.Alertmanager;

    /// <summary>How long one post may take before it counts as failed, and is retried.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Where a webhook posts, for logs and errors: scheme, host and port only, as its path and query may hold a secret.</summary>
    public string Host => Uri.TryCreate(Url, UriKind.Absolute, out var url) ? url.GetLeftPart(UriPartial.Authority) : "(invalid URL)";
}

public enum WebhookFormat
{
    /// <summary>Alertmanager's webhook payload, version 4.</summary>
    Alertmanager,

    /// <summary><c>{"text": …}</c> with Markdown, as Slack, Mattermost and Rocket.Chat incoming webhooks take it.</summary>
    Slack,
}
