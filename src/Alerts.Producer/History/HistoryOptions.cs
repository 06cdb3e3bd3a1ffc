using System.ComponentModel.DataAnnotations;

namespace Alerts.Producer.History;

/// <summary>The <c>History</c> section: how long the front door keeps what happened, and when an alert no one resends stops firing.</summary>
public sealed class HistoryOptions
{
    public const string SectionName = "History";

    /// <summary>
    /// How far back the front door reads the history stream and answers from. The broker's <c>history-bounds</c> policy
    /// bounds the stream itself (by default 14 days and 2 GB); keep the two alike.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "366.00:00:00", ErrorMessage = "History:Retention must be between 00:01:00 and 366.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// Alertmanager's <c>resolve_timeout</c>: an alert that says no end is firing until this long after it was last seen.
    /// One that says an end (Prometheus's do) fires until then; a resolution ends it at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "History:ResolveTimeout must be between 00:00:01 and 1.00:00:00")]
    public TimeSpan ResolveTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
