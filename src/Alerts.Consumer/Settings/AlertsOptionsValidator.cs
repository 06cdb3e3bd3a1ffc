using System.Text.RegularExpressions;
using Alerts.Consumer.Aggregation;
using Alerts.Contracts;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Alerts.Consumer.Settings;

/// <summary>Checks the routes as a whole, so a bad route stops the service at start with the setting's name.</summary>
public sealed partial class AlertsOptionsValidator : IValidateOptions<AlertsOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertsOptions options)
    {
        var failures = new List<string>();
        if (options.Routes.Count == 0)
        {
            failures.Add("Alerts:Routes has no route");
        }

        foreach (var (routeName, route) in options.Routes)
        {
            failures.AddRange(ValidateRoute($"Alerts:Routes:{routeName}", route));
        }

        if (options.Routes.ContainsKey(AlertsTopology.UnroutedQueue))
        {
            failures.Add($"Alerts:Routes:{AlertsTopology.UnroutedQueue}: the name is kept for 'replay {AlertsTopology.UnroutedQueue}'; choose another");
        }

        failures.AddRange(options.Routes
            .GroupBy(route => route.Value.Queue, StringComparer.Ordinal)
            .Where(queue => queue.Count() > 1 && queue.Key.Length > 0)
            .Select(queue => $"Alerts:Routes: routes {string.Join(", ", queue.Select(route => route.Key))} share queue '{queue.Key}'"));

        failures.AddRange(options.ServedRouteNames()
            .Where(served => !options.Routes.ContainsKey(served))
            .Select(served => $"Alerts:Serve names route '{served}', which Alerts:Routes does not have ({string.Join(", ", options.Routes.Keys)})"));

        if (options.ExternalUrl is { Length: > 0 } external && !IsHttpUrl(external))
        {
            failures.Add("Alerts:ExternalUrl must be an absolute http or https URL (where people open the front door)");
        }

        if (options.Retry.MinInterval <= TimeSpan.Zero || options.Retry.MaxInterval < options.Retry.MinInterval)
        {
            failures.Add("Alerts:Retry: MinInterval must be positive and no larger than MaxInterval");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    static IEnumerable<string> ValidateRoute(string path, RouteOptions route)
    {
        if (!QueueName().IsMatch(route.Queue))
        {
            yield return $"{path}:Queue '{route.Queue}' must be 1 to 200 letters, digits, '_', '-' or '.'";
        }

        if (route.Queue == AlertsTopology.UnroutedQueue)
        {
            yield return $"{path}:Queue '{route.Queue}' is where alerts no route takes wait; choose another name";
        }

        if (route.Bindings.Count == 0)
        {
            yield return $"{path}:Bindings has no topic pattern (for example critical.*)";
        }

        foreach (var pattern in route.Bindings.Where(pattern => !TopicPattern().IsMatch(pattern)))
        {
            yield return $"{path}:Bindings '{pattern}' is not a topic pattern of dot-separated words, '*' or '#' (for example *.rate_limit)";
        }

        if (route.To.Count == 0 && route.Webhooks.Count == 0)
        {
            yield return $"{path} has no receiver: give To (e-mail addresses) or Webhooks";
        }

        foreach (var recipient in route.To.Where(recipient => !MailboxAddress.TryParse(recipient, out _)))
        {
            yield return $"{path}:To '{recipient}' is not an e-mail address";
        }

        for (var index = 0; index < route.Webhooks.Count; index++)
        {
            foreach (var failure in ValidateWebhook($"{path}:Webhooks:{index}", route.Webhooks[index]))
            {
                yield return failure;
            }
        }

        if (string.IsNullOrWhiteSpace(route.Subject) || route.Subject.Any(char.IsControl))
        {
            yield return $"{path}:Subject must be one line of text";
        }

        var grouping = route.Grouping;
        if (grouping.By.Count == 0 || grouping.By.Any(string.IsNullOrWhiteSpace))
        {
            yield return $"{path}:Grouping:By must name at least one label (severity, type, source, alertname or an alert's own)";
        }

        if (grouping.GroupWait < TimeSpan.Zero || grouping.GroupWait > TimeSpan.FromMinutes(1))
        {
            yield return $"{path}:Grouping:GroupWait must be between 0 and 00:01:00";
        }

        // The replica that mails a group holds the group's folded alerts unacknowledged until its next mail;
        // RabbitMQ closes a channel whose delivery stays unacknowledged for 30 minutes (consumer_timeout).
        if (grouping.GroupInterval < TimeSpan.FromSeconds(1) || grouping.GroupInterval > TimeSpan.FromMinutes(15))
        {
            yield return $"{path}:Grouping:GroupInterval must be between 00:00:01 and 00:15:00";
        }

        if (grouping.RepeatInterval < grouping.GroupInterval)
        {
            yield return $"{path}:Grouping:RepeatInterval must be at least GroupInterval";
        }

        if (grouping.MaxRememberedIds is < 1 or > 1_000_000)
        {
            yield return $"{path}:Grouping:MaxRememberedIds must be between 1 and 1000000";
        }
    }

    static IEnumerable<string> ValidateWebhook(string path, WebhookOptions webhook)
    {
        // The URL itself may hold a secret: say what is wrong with it, never what it is.
        if (!IsHttpUrl(webhook.Url))
        {
            yield return $"{path}:Url must be an absolute http or https URL";
        }

        if (webhook.BearerToken is { Length: > 0 } && (webhook.Username is { Length: > 0 } || webhook.Password is { Length: > 0 }))
        {
            yield return $"{path}: give BearerToken or Username and Password, not both";
        }

        if (webhook.MaxAlerts is < 1 or > GroupSummary.MaxListed)
        {
            yield return $"{path}:MaxAlerts must be between 1 and {GroupSummary.MaxListed}";
        }

        if (!Enum.IsDefined(webhook.Format))
        {
            yield return $"{path}:Format must be Alertmanager or Slack";
        }

        if (webhook.Timeout <= TimeSpan.Zero || webhook.Timeout > TimeSpan.FromMinutes(5))
        {
            yield return $"{path}:Timeout must be between 00:00:00.001 and 00:05:00";
        }
    }

    static bool IsHttpUrl(string value) => Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https";

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{1,200}$")]
    private static partial Regex QueueName();

    [GeneratedRegex(@"^([a-z0-9_]+|\*|#)(\.([a-z0-9_]+|\*|#))*$")]
    private static partial Regex TopicPattern();
}
