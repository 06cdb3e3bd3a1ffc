using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Alerts.Contracts;

namespace Alerts.Producer.FrontDoor;

/// <summary>An alert as Prometheus posts it to Alertmanager's API v2 (<c>POST /api/v2/alerts</c>).</summary>
public sealed record PrometheusAlert(
    Dictionary<string, string>? Labels, Dictionary<string, string>? Annotations, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? GeneratorURL);

/// <summary>How a Prometheus alert becomes an alert on the wire.</summary>
public static partial class PrometheusAlerts
{
    /// <summary>
    /// The alert on the wire: type from <c>alertname</c> (<c>HighRequestRate</c> → <c>high_request_rate</c>), severity from
    /// the <c>severity</c> label, text from the <c>summary</c> or <c>description</c> annotation, source from <c>instance</c>
    /// or <c>job</c>, labels, annotations, <c>endsAt</c> and <c>generatorURL</c> carried along; one whose <c>endsAt</c> has passed is a resolution. Its id is derived from the label set and <c>startsAt</c>: Prometheus
    /// re-sends a firing alert every evaluation cycle, and a re-send is the same alert, counted once.
    /// </summary>
    /// <exception cref="FormatException">The alert cannot be published; the message names why.</exception>
    public static Alert ToAlert(PrometheusAlert alert, Severity defaultSeverity, DateTimeOffset now)
    {
        if (alert.Labels is not { Count: > 0 } labels)
        {
            throw new FormatException("an alert has no labels");
        }

        if (!labels.TryGetValue("alertname", out var alertName) || string.IsNullOrWhiteSpace(alertName))
        {
            throw new FormatException("an alert has no alertname label");
        }

        var type = TypeOf(alertName);
        if (!RoutingKey.IsValidType(type))
        {
            throw new FormatException($"alertname '{alertName}' makes no alert type (1 to 64 letters, digits or '_' once lower-cased)");
        }

        var startsAt = Given(alert.StartsAt) ?? now;
        var annotations = alert.Annotations ?? [];
        var endsAt = Given(alert.EndsAt);
        var resolved = endsAt <= now;
        return new Alert
        {
            Id = IdOf(labels, startsAt, resolved),
            Resolved = resolved ? true : null,
            Severity = SeverityOf(labels.GetValueOrDefault("severity"), defaultSeverity),
            Type = type,
            Text = annotations.GetValueOrDefault("summary") ?? annotations.GetValueOrDefault("description") ?? alertName,
            Source = labels.GetValueOrDefault("instance") ?? labels.GetValueOrDefault("job"),
            OccurredAt = startsAt,
            Labels = labels,
            Annotations = annotations.Count > 0 ? annotations : null,
            EndsAt = endsAt,
            GeneratorUrl = string.IsNullOrEmpty(alert.GeneratorURL) ? null : alert.GeneratorURL,
        };
    }

    /// <summary><c>critical</c>, <c>page</c>, <c>error</c>: critical; <c>warning</c>, <c>warn</c>: warning; <c>info</c>, <c>notice</c>, <c>none</c>: info.</summary>
    /// <summary>A time the sender gave: Go's zero time (<c>0001-01-01</c>, which amtool sends for a time not given) is none.</summary>
    static DateTimeOffset? Given(DateTimeOffset? time) => time?.Year > 1 ? time : null;

    public static Severity SeverityOf(string? label, Severity defaultSeverity) => label?.Trim().ToLowerInvariant() switch
    {
        "critical" or "page" or "error" => Severity.Critical,
        "warning" or "warn" => Severity.Warning,
        "info" or "notice" or "none" => Severity.Info,
        _ => defaultSeverity,
    };

    /// <summary><c>HighRequestRate</c> → <c>high_request_rate</c>, <c>HTTPErrors</c> → <c>http_errors</c>, <c>node-down</c> → <c>node_down</c>.</summary>
    public static string TypeOf(string alertName)
    {
        var words = WordBoundary().Replace(Acronym().Replace(alertName.Trim(), "$1_$2"), "$1_$2");
        return NotTypeCharacters().Replace(words.ToLowerInvariant(), "_").Trim('_');
    }

    /// <summary>The same for every re-send of an alert, and another for its resolution, which is news of its own.</summary>
    static Guid IdOf(Dictionary<string, string> labels, DateTimeOffset startsAt, bool resolved)
    {
        var identity = new StringBuilder();
        foreach (var (name, value) in labels.OrderBy(label => label.Key, StringComparer.Ordinal))
        {
            identity.Append(name).Append('\0').Append(value).Append('\0');
        }

        identity.Append(startsAt.ToUnixTimeMilliseconds()).Append(resolved ? "\0resolved" : "");
        return new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString()))[..16]);
    }

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex WordBoundary();

    [GeneratedRegex("([A-Z]+)([A-Z][a-z])")]
    private static partial Regex Acronym();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotTypeCharacters();
}
