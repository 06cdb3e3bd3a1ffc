using System.Diagnostics.CodeAnalysis;

namespace Alerts.Contracts;

/// <summary>
/// An alert's routing key, <c>SEVERITY.TYPE</c>: a severity (<c>info</c>, <c>warning</c>, <c>critical</c>)
/// and a type made of lower-case letters, digits and <c>_</c>, such as <c>critical.rate_limit</c>.
/// It decides which queues receive the alert, so only well-formed keys are ever built.
/// </summary>
public sealed record RoutingKey
{
    /// <summary>The longest type accepted; keeps keys far below AMQP's 255-byte limit.</summary>
    public const int MaxTypeLength = 64;

    RoutingKey(Severity severity, string type)
    {
        Severity = severity;
        Type = type;
    }

    public Severity Severity { get; }

    public string Type { get; }

    public static RoutingKey Create(Severity severity, string type) =>
        IsValidType(type)
            ? new RoutingKey(severity, type)
            : throw new FormatException(DescribeInvalidType(type));

    public static RoutingKey Parse(string value) =>
        TryParse(value, out var key, out var error) ? key : throw new FormatException(error);

    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out RoutingKey? key) => TryParse(value, out key, out _);

    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out RoutingKey? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        var dot = value?.IndexOf('.') ?? -1;
        if (value is null || dot < 0)
        {
            error = $"routing key '{value}' is not SEVERITY.TYPE (for example critical.rate_limit)";
            return false;
        }

        if (!TryParseSeverity(value[..dot], out var severity))
        {
            error = $"routing key '{value}' has severity '{value[..dot]}'; expected info, warning or critical";
            return false;
        }

        var type = value[(dot + 1)..];
        if (!IsValidType(type))
        {
            error = $"routing key '{value}': {DescribeInvalidType(type)}";
            return false;
        }

        key = new RoutingKey(severity, type);
        error = null;
        return true;
    }

    /// <summary>Parses the lower-case severity word used on the wire.</summary>
    public static bool TryParseSeverity(string? value, out Severity severity)
    {
        (var known, severity) = value switch
        {
            "info" => (true, Severity.Info),
            "warning" => (true, Severity.Warning),
            "critical" => (true, Severity.Critical),
            _ => (false, default),
        };
        return known;
    }

    public static string FormatSeverity(Severity severity) => severity switch
    {
        Severity.Info => "info",
        Severity.Warning => "warning",
        Severity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "unknown severity"),
    };

    public static bool IsValidType([NotNullWhen(true)] string? type) =>
        !string.IsNullOrEmpty(type) && type.Length <= MaxTypeLength && type.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    public override string ToString() => $"{FormatSeverity(Severity)}.{Type}";

    static string DescribeInvalidType(string? type) =>
        $"type '{type}' must be 1 to {MaxTypeLength} lower-case letters, digits or '_'";
}
