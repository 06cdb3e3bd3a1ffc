using System.Globalization;
using System.Text;
using Alerts.Contracts.History;

namespace Alerts.Producer.FrontDoor;

/// <summary>
/// The routes as an Alertmanager configuration, for <c>GET /api/v2/status</c>'s <c>config.original</c>: a route tree whose
/// matchers say what the topic bindings say, and receivers with their mail and webhooks. A webhook's path and query may hold
/// its secret (a Slack URL is its own password): only its scheme and host are shown, and a Slack URL as Alertmanager shows
/// a secret, <c>&lt;secret&gt;</c>.
/// </summary>
public static class AlertmanagerConfig
{
    public static string Render(IReadOnlyList<RouteAnnouncement> routes, TimeSpan resolveTimeout)
    {
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $"global:\n  resolve_timeout: {Duration(resolveTimeout)}\n");
        yaml.Append(CultureInfo.InvariantCulture, $"route:\n  receiver: {AlertHistory.Unrouted}\n  routes:\n");
        foreach (var route in routes)
        {
            // A topic binding 'critical.*' is the matcher severity="critical"; 'type' is the routing key's second word.
            foreach (var binding in route.Bindings)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"  - receiver: {Quote(route.Name)}\n    matchers: [{string.Join(", ", Matchers(binding))}]\n");
                yaml.Append(CultureInfo.InvariantCulture, $"    group_by: [{string.Join(", ", route.Grouping ? route.GroupBy.Select(Quote) : ["'...'"])}]\n");
                yaml.Append(CultureInfo.InvariantCulture,
                    $"    group_wait: {Duration(route.GroupWait)}\n    group_interval: {Duration(route.GroupInterval)}\n    repeat_interval: {Duration(route.RepeatInterval)}\n    continue: true\n");
            }
        }

        yaml.Append(CultureInfo.InvariantCulture, $"receivers:\n- name: {AlertHistory.Unrouted}\n");
        foreach (var route in routes)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"- name: {Quote(route.Name)}\n");
            if (route.To.Count > 0)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"  email_configs:\n  - to: {Quote(string.Join(", ", route.To))}\n");
                yaml.Append(CultureInfo.InvariantCulture,
                    $"    from: {Quote(route.MailFrom)}\n    smarthost: {Quote(route.MailServer)}\n    send_resolved: {Bool(route.SendResolved)}\n");
            }

            if (route.Webhooks.Any(webhook => webhook.Format == "alertmanager"))
            {
                yaml.Append("  webhook_configs:\n");
                foreach (var webhook in route.Webhooks.Where(webhook => webhook.Format == "alertmanager"))
                {
                    yaml.Append(CultureInfo.InvariantCulture,
                        $"  - url: {Quote(webhook.Origin + "/")}\n    max_alerts: {webhook.MaxAlerts}\n    send_resolved: {Bool(route.SendResolved)}\n");
                }
            }

            if (route.Webhooks.Any(webhook => webhook.Format == "slack"))
            {
                yaml.Append("  slack_configs:\n");
                foreach (var _ in route.Webhooks.Where(webhook => webhook.Format == "slack"))
                {
                    yaml.Append(CultureInfo.InvariantCulture, $"  - api_url: <secret>\n    send_resolved: {Bool(route.SendResolved)}\n");
                }
            }
        }

        return yaml.ToString();
    }

    static IEnumerable<string> Matchers(string binding)
    {
        var words = binding.Split('.');
        if (words.Length == 2 && words[0] is not ("*" or "#"))
        {
            yield return Quote($"severity=\"{words[0]}\"");
        }

        if (words.Length == 2 && words[1] is not ("*" or "#"))
        {
            yield return Quote($"type=\"{words[1]}\"");
        }
    }

    static string Quote(string text) => $"'{text.Replace("'", "''", StringComparison.Ordinal)}'";

    static string Bool(bool value) => value ? "true" : "false";

    /// <summary>A duration as Alertmanager writes one: <c>5m</c>, <c>4h</c>, <c>500ms</c>.</summary>
    static string Duration(TimeSpan span) =>
        span.TotalMilliseconds % 1000 != 0 ? $"{span.TotalMilliseconds:0}ms"
        : span.TotalSeconds % 60 != 0 ? $"{span.TotalSeconds:0}s"
        : span.TotalMinutes % 60 != 0 ? $"{span.TotalMinutes:0}m"
        : $"{span.TotalHours:0}h";
}
