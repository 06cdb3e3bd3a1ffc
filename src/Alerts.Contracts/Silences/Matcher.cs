using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Alerts.Contracts.Silences;

/// <summary>
/// One condition on an alert's labels, as Alertmanager writes it: <c>name=value</c>, <c>name!=value</c>,
/// <c>name=~regex</c>, <c>name!~regex</c>. A regex matches the whole value; a missing label is the empty string.
/// </summary>
public sealed partial record Matcher(string Name, string Value, bool IsRegex, bool IsEqual = true)
{
    static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    /// <param name="label">An alert's label by name: null for one it does not have.</param>
    public bool Matches(Func<string, string?> label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var value = label(Name) ?? "";
        var matched = IsRegex
            ? Patterns.GetOrAdd(Value, pattern => new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100))).IsMatch(value)
            : value == Value;
        return matched == IsEqual;
    }

    public override string ToString() => (IsEqual, IsRegex) switch
    {
        (true, false) => $"{Name}=\"{Value}\"",
        (false, false) => $"{Name}!=\"{Value}\"",
        (true, true) => $"{Name}=~\"{Value}\"",
        (false, true) => $"{Name}!~\"{Value}\"",
    };

    /// <summary>
    /// Reads the matchers of one command-line argument: <c>alertname=db_down</c>, <c>source=~"web-.*"</c>, or a topic
    /// pattern of the routing key as a shorthand: <c>critical.*</c> is <c>severity="critical"</c>, <c>*.rate_limit</c> is <c>type="rate_limit"</c>.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out IReadOnlyList<Matcher>? matchers, [NotNullWhen(false)] out string? error)
    {
        matchers = null;
        var match = Expression().Match(text.Trim());
        if (match.Success)
        {
            var op = match.Groups["op"].Value;
            var value = match.Groups["value"].Value;
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
            {
                value = value[1..^1];
            }

            var matcher = new Matcher(match.Groups["name"].Value, value, IsRegex: op.EndsWith('~'), IsEqual: op[0] == '=');
            if (matcher.IsRegex && !IsValidRegex(value, out error))
            {
                return false;
            }

            matchers = [matcher];
            error = null;
            return true;
        }

        var words = text.Trim().Split('.');
        if (words.Length == 2 && words.All(word => word == "*" || RoutingKey.IsValidType(word)) && words.Any(word => word != "*"))
        {
            if (words[0] != "*" && !RoutingKey.TryParseSeverity(words[0], out _))
            {
                error = $"'{text}': '{words[0]}' is not info, warning or critical";
                return false;
            }

            matchers = [
                .. words[0] == "*" ? [] : new[] { new Matcher("severity", words[0], IsRegex: false, IsEqual: true) },
                .. words[1] == "*" ? [] : new[] { new Matcher("type", words[1], IsRegex: false, IsEqual: true) },
            ];
            error = null;
            return true;
        }

        error = $"'{text}' is not a matcher (name=value, name!=value, name=~regex, name!~regex) nor a topic pattern such as critical.* or *.rate_limit";
        return false;
    }

    public static bool IsValidRegex(string pattern, [NotNullWhen(false)] out string? error)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            error = null;
            return true;
        }
        catch (ArgumentException invalid)
        {
            error = $"'{pattern}' is not a regular expression: {invalid.Message}";
            return false;
        }
    }

    [GeneratedRegex(@"^(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?<op>=~|!~|!=|=)\s*(?<value>.*)$")]
    private static partial Regex Expression();
}
