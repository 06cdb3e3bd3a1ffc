using Alerts.Consumer.Settings;

namespace Alerts.Consumer.Notifications;

/// <summary>
/// Where a route's notifications go. Mail is the first receiver; each receiver plugs in here and so gets the same retry
/// policy and the same parking as every other.
/// </summary>
public interface INotificationReceiver
{
    /// <summary>Whether the route has this receiver: mail, when the route names recipients.</summary>
    bool Serves(RouteOptions route);

    /// <summary>Completes once the receiver accepted the notification; any exception is retried, then parked.</summary>
    /// <param name="attempt">0 for the first attempt, then the retry's number.</param>
    /// <exception cref="NotificationRefusedException">Refused for good: retrying cannot help, so it is parked at once.</exception>
    Task SendAsync(Route route, Notification notification, int attempt, CancellationToken cancellationToken);
}
