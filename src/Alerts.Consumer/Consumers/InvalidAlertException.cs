namespace Alerts.Consumer.Consumers;

/// <summary>An alert that can never be mailed as it is: parked in the error queue at once, never retried.</summary>
public sealed class InvalidAlertException(string message) : Exception(message);
