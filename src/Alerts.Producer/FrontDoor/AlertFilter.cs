using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Alerts.Contracts.Silences;
using Microsoft.AspNetCore.Http;

namespace Alerts.Producer.FrontDoor;

/// <summary>
/// Alertmanager's query of <c>GET /api/v2/alerts</c> and <c>/alerts/groups</c>: label matchers (<c>filter</c>, repeatable),
/// which states to show (<c>active</c>, <c>silenced</c>, <c>inhibited</c>, <c>unprocessed</c>) and a <c>receiver</c> regex.
/// </summary>
public sealed record AlertFilter(IReadOnlyList<Matcher> Matchers, bool Active, bool Silenced, bool Inhibited, bool Unprocessed, Regex? Receiver)
{
    public static bool TryParse(IQueryCollection query, [NotNullWhen(true)] out AlertFilter? filter, [NotNullWhen(false)] out string? error)
    {
        filter = null;
        if (!TryParseMatchers(query, out var matchers, out error)
            || !TryParseFlag(query, "active", out var active, out error)
            || !TryParseFlag(query, "silenced", out var silenced, out error)
            || !TryParseFlag(query, "inhibited", out var inhibited, out error)
            || !TryParseFlag(query, "unprocessed", out var unprocessed, out error))
        {
            return false;
        }

        Regex? receiver = null;
        if (query["receiver"].ToString() is { Length: > 0 } pattern)
        {
            if (!Matcher.IsValidRegex(pattern, out error))
            {
                error = $"receiver: {error}";
                return false;
            }

            receiver = new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }

        filter = new AlertFilter(matchers, active, silenced, inhibited, unprocessed, receiver);
        return true;
    }

    /// <summary>Every <c>filter</c> parameter, each one matcher (<c>alertname="db_down"</c>), as amtool sends them.</summary>
    public static bool TryParseMatchers(IQueryCollection query, out IReadOnlyList<Matcher> matchers, [NotNullWhen(false)] out string? error)
    {
        var all = new List<Matcher>();
        matchers = all;
        foreach (var text in query["filter"])
        {
            // Alertmanager also takes a whole selector in braces: {alertname="db_down"}.
            string[] parts = text?.Trim() is ['{', .. var within, '}']
                ? within.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [text ?? ""];
            foreach (var part in parts)
            {
                if (!Matcher.TryParse(part, out var parsed, out var invalid))
                {
                    error = $"filter: {invalid}";
                    return false;
                }

                all.AddRange(parsed);
            }
        }

        error = null;
        return true;
    }

    public bool Matches(Func<string, string?> label) => Matchers.All(matcher => matcher.Matches(label));

    static bool TryParseFlag(IQueryCollection query, string name, out bool value, [NotNullWhen(false)] out string? error)
    {
        value = true;
        error = null;
        var text = query[name].ToString();
        if (text.Length == 0 || bool.TryParse(text, out value))
        {
            value = text.Length == 0 || value;
            return true;
        }

        error = $"{name}: '{text}' is not true or false";
        return false;
    }
}
