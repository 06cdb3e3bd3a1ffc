namespace Alerts.Contracts;

/// <summary>How urgent an alert is; the first word of its routing key.</summary>
public enum Severity
{
    Info,
    Warning,
    Critical,
}
