using System.Globalization;
using System.Text;

namespace Alerts.Contracts;

/// <summary>An alert's labels and fingerprint as Alertmanager shows them, for alerts that came with labels and for those that did not.</summary>
public static class AlertLabels
{
    /// <summary>
    /// An alert's own labels, as Prometheus sent them; for one that came without (the book's clients): <c>alertname</c>
    /// from its type, <c>severity</c>, and <c>instance</c> from its source.
    /// </summary>
    public static Dictionary<string, string> Of(IReadOnlyDictionary<string, string>? own, RoutingKey routingKey, string? source)
    {
        if (own is { Count: > 0 })
        {
            return new Dictionary<string, string>(own);
        }

        var labels = new Dictionary<string, string>
        {
            ["alertname"] = routingKey.Type,
            ["severity"] = RoutingKey.FormatSeverity(routingKey.Severity),
        };
        if (source is { Length: > 0 })
        {
            labels["instance"] = source;
        }

        return labels;
    }

    /// <summary>Prometheus's fingerprint of a label set (FNV-1a over the sorted pairs), as Alertmanager shows it: 16 hex digits.</summary>
    public static string Fingerprint(IReadOnlyDictionary<string, string> labels)
    {
        const ulong offset = 14695981039346656037, prime = 1099511628211;
        const byte separator = 0xff;
        var hash = offset;
        foreach (var (name, value) in labels.OrderBy(label => label.Key, StringComparer.Ordinal))
        {
            foreach (var part in new[] { name, value })
            {
                foreach (var b in Encoding.UTF8.GetBytes(part))
                {
                    hash = (hash ^ b) * prime;
                }

                hash = (hash ^ separator) * prime;
            }
        }

        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }
}
