namespace Alerts.Consumer.Notifications;

/// <summary>A receiver refused a notification for good (a mail server's 5xx): it is parked at once, never retried.</summary>
public sealed class NotificationRefusedException(string message, Exception refusal) : Exception(message, refusal);
