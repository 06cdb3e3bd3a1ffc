using Alerts.Consumer.Admission;
using Alerts.Consumer.Settings;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Notifications;

/// <summary>
/// Sends a group's notification, which the replica that aggregates the route published to its digest queue, to the
/// route's receivers. It returns, and so lets MassTransit acknowledge the notification, only once every receiver has it.
/// </summary>
public sealed class NotificationConsumer(IOptions<AlertsOptions> options, Notifier notifier) : IConsumer<Notification>
{
    public Task Consume(ConsumeContext<Notification> context)
    {
        // A message that does not say its type is offered to every consumer of the queue: one that is no notification
        // is parked at once rather than retried.
        if (context.Message is not { Group: not null, Summary: not null })
        {
            throw new InvalidAlertException("the message is not a notification: it has no group or summary");
        }

        return notifier.NotifyAsync(options.Value.RouteOfQueue(context.ReceiveContext.InputAddress), context.Message, context.GetRetryAttempt(),
            NotifiedReceivers.Of(context.ReceiveContext), context.CancellationToken);
    }
}
