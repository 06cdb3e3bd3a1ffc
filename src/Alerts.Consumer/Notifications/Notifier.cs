using Alerts.Consumer.Settings;

namespace Alerts.Consumer.Notifications;

/// <summary>
/// The notification stage: hands a notification, one alert's or a group's digest, to each receiver of its route. Whoever
/// calls it does so within <see cref="NotificationRetry"/>, so a failure is retried and then parked the same way for all.
/// </summary>
public sealed class Notifier(IEnumerable<INotificationReceiver> receivers)
{
    readonly INotificationReceiver[] _receivers = [.. receivers];

    /// <summary>Completes once every receiver of the route accepted the notification.</summary>
    public async Task NotifyAsync(Route route, Notification notification, int attempt, CancellationToken cancellationToken)
    {
        foreach (var receiver in _receivers)
        {
            if (receiver.Serves(route.Options))
            {
                await receiver.SendAsync(route, notification, attempt, cancellationToken);
            }
        }
    }
}
