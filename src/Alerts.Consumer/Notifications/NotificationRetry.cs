using Alerts.Consumer.Admission;
using Alerts.Consumer.Settings;
using MassTransit;

namespace Alerts.Consumer.Notifications;

/// <summary>
/// The one retry policy of every notification, one alert's or a group's digest: <c>Alerts:Retry</c>'s exponential back-off
/// while the message stays unacknowledged, and none for what retrying cannot fix. What still fails after the limit is
/// parked by MassTransit in its queue's error queue, where <c>replay</c> finds it.
/// </summary>
public static class NotificationRetry
{
    public static void UseNotificationRetry<TConsumer>(this IConsumerConfigurator<TConsumer> consumer, RetryOptions retry)
        where TConsumer : class => consumer.UseMessageRetry(policy =>
        {
            policy.Exponential(retry.Limit, retry.MinInterval, retry.MaxInterval, retry.MinInterval);
            policy.Ignore<InvalidAlertException>();
            policy.Ignore<NotificationRefusedException>();
        });
}
