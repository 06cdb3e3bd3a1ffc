namespace Alerts.Consumer.Settings;

public sealed class RouteOptions
{
    public string Queue { get; set; } = "";

    /// <summary>Topic patterns on the alerts exchange: <c>critical.*</c>, <c>*.rate_limit</c>, <c>#</c>.</summary>
    public List<string> Bindings { get; set; } = [];

    /// <summary>Recipients, as e-mail addresses (<c>ops@example.com</c> or <c>Ops &lt;ops@example.com&gt;</c>); none when the route has webhooks only.</summary>
    public List<string> To { get; set; } = [];

    /// <summary>Webhooks the route posts its notifications to, beside (or instead of) its mail.</summary>
    public List<WebhookOptions> Webhooks { get; set; } = [];

    public string Subject { get; set; } = "";

    public GroupingOptions Grouping { get; set; } = new();

    /// <summary>Notify resolutions (an alert whose problem ended), with RESOLVED in the subject; false acknowledges them unsent.</summary>
    public bool SendResolved { get; set; } = true;

    /// <summary>How many of a group's alerts its notifications carry whole: as many as its webhooks list, none for mail alone.</summary>
    public int ListedAlerts => Webhooks.Count == 0 ? 0 : Math.Min(Webhooks.Max(webhook => webhook.MaxAlerts), Aggregation.GroupSummary.MaxListed);
}

/// <summary>
/// How a route turns a storm into a few digests, as Alertmanager's <c>group_by</c>, <c>group_wait</c>,
/// <c>group_interval</c> and <c>repeat_interval</c> do; with <see cref="Enabled"/> off, one notification per alert.
/// </summary>
public sealed class GroupingOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Labels whose values make a group: <c>severity</c>, <c>type</c>, <c>source</c>, <c>alertname</c>, or any label alerts carry.</summary>
    public List<string> By { get; set; } = ["severity", "type", "source"];

    /// <summary>How long a new group gathers alerts before its first notification.</summary>
    public TimeSpan GroupWait { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A group is notified at most this often, and only when alerts arrived since its last notification.</summary>
    public TimeSpan GroupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The same alert id within this long is one event; after it, the id counts as a new alert.</summary>
    public TimeSpan RepeatInterval { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Alert ids remembered per group for <see cref="RepeatInterval"/>, oldest forgotten first: the bound on memory in a storm.</summary>
    public int MaxRememberedIds { get; set; } = 10_000;
}
