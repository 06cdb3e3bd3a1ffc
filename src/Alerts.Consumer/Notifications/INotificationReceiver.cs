using Alerts.Consumer.Settings;

namespace Alerts.Consumer.Notifications;

/// <summary>
/// One of a route's receivers: its mail, or one of its webhooks. Each gets the same retry policy and the same parking,
/// and succeeds or fails on its own: a notification is retried for the receivers that do not have it yet, only.
/// </summary>
public interface INotificationReceiver
{
    /// <summary><c>email</c>, <c>webhook-0</c>, …: in metrics and logs, and in the header that says who has a notification.</summary>
    string Name { get; }

    /// <summary>Completes once the receiver accepted the notification; any exception is retried, then parked.</summary>
    /// <param name="attempt">0 for the first attempt, then the retry's number.</param>
    /// <exception cref="NotificationRefusedException">Refused for good: retrying cannot help, so it is parked at once.</exception>
    Task SendAsync(Route route, Notification notification, int attempt, CancellationToken cancellationToken);
}
