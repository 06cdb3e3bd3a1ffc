using System.Collections.Concurrent;
using Alerts.Consumer.History;
using Alerts.Consumer.Mail;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;
using Alerts.Consumer.Webhooks;

namespace Alerts.Consumer.Notifications;

/// <summary>
/// The notification stage: hands a notification, one alert's or a group's digest, to each receiver of its route that does
/// not have it yet, all at once, so that a mail server that is down holds back no webhook. Whoever calls it does so within
/// <see cref="NotificationRetry"/>: what failed is retried for the receivers that failed, then parked the same way for all.
/// </summary>
public sealed partial class Notifier(MailReceiver mail, WebhookPoster webhooks, HistoryRecorder history, AlertMetrics metrics, ILogger<Notifier> logger)
{
    readonly ConcurrentDictionary<string, INotificationReceiver[]> _receivers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The route's mail, when it names recipients, then its webhooks in the order configured.</summary>
    public IReadOnlyList<INotificationReceiver> ReceiversOf(Route route) => _receivers.GetOrAdd(route.Name, _ =>
    [
        .. route.Options.To.Count > 0 ? [mail] : Array.Empty<INotificationReceiver>(),
        .. route.Options.Webhooks.Select((webhook, index) => new WebhookReceiver($"webhook-{index}", webhook, webhooks)),
    ]);

    /// <summary>Completes once every receiver of the route has the notification; <paramref name="notified"/> says who had it before.</summary>
    /// <exception cref="NotificationRefusedException">Every receiver that failed refused for good: parked at once.</exception>
    public async Task NotifyAsync(Route route, Notification notification, int attempt, NotifiedReceivers notified, CancellationToken cancellationToken)
    {
        var pending = ReceiversOf(route).Where(receiver => !notified.Contains(receiver.Name)).ToList();
        var failures = await Task.WhenAll(pending.Select(receiver => SendAsync(receiver, route, notification, attempt, notified, cancellationToken)));
        var failed = failures.OfType<Exception>().ToList();
        notified.Owed = [.. pending.Where((_, index) => failures[index] is not null).Select(receiver => receiver.Name)];
        if (failed.Count > 0)
        {
            // Retrying helps any receiver that did not refuse for good; only when all refused is it parked at once.
            throw failed.FirstOrDefault(failure => failure is not NotificationRefusedException) ?? failed[0];
        }
    }

    async Task<Exception?> SendAsync(
        INotificationReceiver receiver, Route route, Notification notification, int attempt, NotifiedReceivers notified, CancellationToken cancellationToken)
    {
        var started = metrics.StartSend();
        try
        {
            await receiver.SendAsync(route, notification, attempt, cancellationToken);
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            metrics.Notified(route.Name, receiver.Name, started, accepted: false);
            LogNotNotified(receiver.Name, notification.Summary.Count, notification.Group, route.Name, attempt + 1, failure.Message);
            return failure;
        }

        metrics.Notified(route.Name, receiver.Name, started, accepted: true);
        history.Notified(route, notification, receiver.Name);
        notified.Add(receiver.Name);
        return null;
    }

    [LoggerMessage(LogLevel.Warning, "Could not notify {Receiver} of {Count} alert(s) of group {Group} for route {Route} (attempt {Attempt}): {Reason}")]
    partial void LogNotNotified(string receiver, long count, string group, string route, int attempt, string reason);
}
