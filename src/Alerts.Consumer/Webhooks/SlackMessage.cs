using System.Text;
using System.Text.Json.Serialization;
using Alerts.Consumer.Aggregation;
using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;

namespace Alerts.Consumer.Webhooks;

/// <summary>
/// A notification as the JSON that Slack, Mattermost and Rocket.Chat incoming webhooks accept: one Markdown text with
/// the status, the group, and its most frequent texts and sources, as a digest mail says them.
/// </summary>
public sealed record SlackMessage([property: JsonPropertyName("text")] string Text)
{
    public static SlackMessage From(Route route, Notification notification, string externalUrl)
    {
        var summary = notification.Summary;
        var text = new StringBuilder()
            .Append(summary.Resolved ? "*[RESOLVED" : "*[FIRING").Append(':').Append(summary.Count).Append("] ")
            .Append(Escape(route.Name)).Append("* ").Append(Escape(notification.Group)).Append('\n');
        if (summary is { Count: 1, First: { } alert })
        {
            text.Append(Escape(alert.Text)).Append(" (").Append(Escape(alert.Source ?? GroupSummary.NoSource)).Append(")\n");
        }
        else
        {
            foreach (var (value, count) in summary.Texts.OrderByDescending(text => text.Value).Take(5))
            {
                text.Append("• ").Append(count).Append("× ").Append(Escape(value)).Append('\n');
            }

            text.Append("Sources: ").AppendJoin(", ", summary.Sources.OrderByDescending(source => source.Value).Take(5)
                .Select(source => $"{Escape(source.Key)} ({source.Value})")).Append('\n');
        }

        if (externalUrl.Length > 0)
        {
            text.Append('<').Append(externalUrl).Append("|Open the alerts>");
        }

        return new SlackMessage(text.ToString().TrimEnd('\n'));
    }

    /// <summary>Slack's three control characters, escaped as its docs ask: alert text is input, never markup.</summary>
    static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
