using System.Buffers;
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
    /// <remarks>Every admitted alert and every notification is fingerprinted for the history, so this allocates only its result.</remarks>
    public static string Fingerprint(IReadOnlyDictionary<string, string> labels)
    {
        const ulong offset = 14695981039346656037, prime = 1099511628211;
        var names = ArrayPool<string>.Shared.Rent(labels.Count);
        try
        {
            var count = 0;
            foreach (var name in labels.Keys)
            {
                names[count++] = name;
            }

            Array.Sort(names, 0, count, StringComparer.Ordinal);
            var hash = offset;
            foreach (var name in names.AsSpan(0, count))
            {
                hash = Hash(Hash(hash, name), labels[name]);
            }

            return hash.ToString("x16", CultureInfo.InvariantCulture);
        }
        finally
        {
            ArrayPool<string>.Shared.Return(names, clearArray: true);
        }

        // The UTF-8 bytes of the part, then the separator 0xff, which no UTF-8 text holds.
        static ulong Hash(ulong hash, string part)
        {
            Span<byte> buffer = stackalloc byte[256];
            var bytes = Encoding.UTF8.GetMaxByteCount(part.Length) <= buffer.Length ? buffer : new byte[Encoding.UTF8.GetByteCount(part)];
            foreach (var b in bytes[..Encoding.UTF8.GetBytes(part, bytes)])
            {
                hash = (hash ^ b) * prime;
            }

            return (hash ^ 0xff) * prime;
        }
    }
}
