namespace Alerts.Consumer.Admission;

/// <summary>An alert (or a notification of alerts) that can never be notified as it is: parked in its error queue at once, never retried.</summary>
public sealed class InvalidAlertException(string message) : Exception(message);
