using System.Globalization;
using System.Net;
using System.Text;
using Alerts.Consumer.Aggregation;
using MimeKit;

namespace Alerts.Consumer.Mail;

/// <summary>
/// Builds the mail of a group's digest: how many alerts, the distinct texts, sources and routing keys with counts, first
/// and last seen, in plain text and HTML; its headers say how many alerts it accounts for (<c>X-Alert-Count</c>) and for
/// which group (<c>X-Alert-Group</c>), as an alert's own mail does.
/// </summary>
public static class DigestMail
{
    public static MimeMessage Create(string group, GroupSummary summary, string routeName, RouteMailHeaders headers, DateTimeOffset now)
    {
        var message = new MimeMessage([.. headers.Of(summary.Resolved, now)])
        {
            Subject = $"{(summary.Resolved ? AlertMail.Resolved : "")}{headers.Subject} ({summary.Count.ToString("N0", CultureInfo.InvariantCulture)} alerts)",
        };
        message.Headers.Add(AlertMail.CountHeader, summary.Count.ToString(CultureInfo.InvariantCulture));
        message.Headers.Add(AlertMail.GroupHeader, group);
        message.Body = new BodyBuilder { TextBody = Text(group, summary, routeName), HtmlBody = Html(group, summary, routeName) }.ToMessageBody();
        return message;
    }

    static string Text(string group, GroupSummary summary, string routeName)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{Count(summary.Count)} alerts since the last mail for group {group}")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"First seen:  {summary.FirstSeen:u}")
            .AppendLine(CultureInfo.InvariantCulture, $"Last seen:   {summary.LastSeen:u}")
            .AppendLine(CultureInfo.InvariantCulture, $"Route:       {routeName}");
        foreach (var (title, counts, others) in Sections(summary))
        {
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"{title}:");
            foreach (var (value, count) in counts)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{Count(count),10} × {OneLine(value)}");
            }

            if (others > 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{Count(others),10} × (others)");
            }
        }

        return text.ToString();
    }

    static string Html(string group, GroupSummary summary, string routeName)
    {
        var html = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"<p><b>{Count(summary.Count)}</b> alerts since the last mail for group <code>{Encode(group)}</code></p>")
            .Append(CultureInfo.InvariantCulture, $"<p>First seen: {summary.FirstSeen:u}<br>Last seen: {summary.LastSeen:u}<br>Route: {Encode(routeName)}</p>");
        foreach (var (title, counts, others) in Sections(summary))
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3>{title}</h3><table>");
            foreach (var (value, count) in counts)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td align=\"right\">{Count(count)}</td><td>{Encode(value)}</td></tr>");
            }

            if (others > 0)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td align=\"right\">{Count(others)}</td><td><i>(others)</i></td></tr>");
            }

            html.Append("</table>");
        }

        return html.ToString();
    }

    static IEnumerable<(string Title, IEnumerable<(string Value, long Count)> Counts, long Others)> Sections(GroupSummary summary) =>
    [
        ("Texts", Descending(summary.Texts), summary.OtherTexts),
        ("Sources", Descending(summary.Sources), summary.OtherSources),
        ("Routing keys", Descending(summary.RoutingKeys), summary.OtherRoutingKeys),
    ];

    static IEnumerable<(string, long)> Descending(Dictionary<string, long> counts) =>
        counts.OrderByDescending(entry => entry.Value).ThenBy(entry => entry.Key, StringComparer.Ordinal).Select(entry => (entry.Key, entry.Value));

    static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    static string OneLine(string value) => value.ReplaceLineEndings(" ");

    static string Encode(string value) => WebUtility.HtmlEncode(value);
}
