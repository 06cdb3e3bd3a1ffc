using System.Diagnostics.Metrics;

namespace Alerts.Consumer.Telemetry;

/// <summary>
/// What an operator watches per route: alerts received, mailed, retried and parked, how long the mail
/// server takes, and how old an alert is when it reaches its consumer (the queue's lag); per route and receiver,
/// notifications sent, failed attempts, parked, and how long the receiver takes.
/// </summary>
public sealed class AlertMetrics
{
    public const string MeterName = "Alerts.Consumer";

    readonly TimeProvider _time;
    readonly Counter<long> _received;
    readonly Counter<long> _retried;
    readonly Counter<long> _mailed;
    readonly Counter<long> _parked;
    readonly Counter<long> _silenced;
    readonly Counter<long> _duplicates;
    readonly Histogram<double> _mailDuration;
    readonly Histogram<double> _queueLag;
    readonly Counter<long> _notificationsSent;
    readonly Counter<long> _notificationsFailed;
    readonly Counter<long> _notificationsParked;
    readonly Histogram<double> _notificationDuration;
    readonly Counter<long> _historyDropped;

    public AlertMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        _time = time;
        var meter = meterFactory.Create(MeterName);
        _received = meter.CreateCounter<long>("alerts.received", "{alert}", "Alerts delivered to a route's consumer (retries not counted)");
        _retried = meter.CreateCounter<long>("alerts.retried", "{attempt}", "Further attempts to mail an alert after a failed one");
        _mailed = meter.CreateCounter<long>("alerts.mailed", "{alert}", "Alerts accounted for by a mail the SMTP server accepted, alone or in a digest");
        _silenced = meter.CreateCounter<long>("alerts.silenced", "{alert}", "Alerts an active silence muted: acknowledged, never mailed");
        _duplicates = meter.CreateCounter<long>("alerts.duplicates", "{alert}", "Alerts whose id the route saw within its repeat interval: counted once");
        _parked = meter.CreateCounter<long>("alerts.parked", "{alert}", "Alerts moved to a route's error queues for an operator, alone or in a notification");
        _mailDuration = meter.CreateHistogram("alerts.mail.duration", "s", "Time the SMTP server takes to accept or refuse one mail",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _queueLag = meter.CreateHistogram("alerts.queue.lag", "s", "Time from an alert's occurredAt to its first delivery to a consumer",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600] });
        _notificationsSent = meter.CreateCounter<long>("alerts.notifications.sent", "{notification}", "Notifications a receiver (email, webhook-0, …) accepted");
        _notificationsFailed = meter.CreateCounter<long>("alerts.notifications.failed", "{attempt}", "Attempts to notify a receiver that failed");
        _notificationsParked = meter.CreateCounter<long>("alerts.notifications.parked", "{notification}", "Notifications parked while a receiver was still owed them");
        _historyDropped = meter.CreateCounter<long>("alerts.history.dropped", "{event}", "History events dropped because the broker could not take them in time");
        _notificationDuration = meter.CreateHistogram("alerts.notification.duration", "s", "Time a receiver takes to accept or refuse one notification",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    /// <summary>Counts a delivery: the first attempt as received (with its lag when the alert says when it occurred), later ones as retries.</summary>
    public void Delivered(string route, int retryAttempt, DateTimeOffset? occurredAt)
    {
        var tag = new KeyValuePair<string, object?>("route", route);
        if (retryAttempt > 0)
        {
            _retried.Add(1, tag);
            return;
        }

        _received.Add(1, tag);
        if (occurredAt is { } occurred)
        {
            _queueLag.Record(Math.Max(0, (_time.GetUtcNow() - occurred).TotalSeconds), tag);
        }
    }

    /// <summary>Times one send; the result says whether the server accepted the mail.</summary>
    public long StartSend() => _time.GetTimestamp();

    /// <param name="alerts">How many alerts the mail accounts for: one, or a digest's count.</param>
    public void Sent(string route, long started, bool accepted, long alerts = 1)
    {
        var tag = new KeyValuePair<string, object?>("route", route);
        _mailDuration.Record(_time.GetElapsedTime(started).TotalSeconds, tag, new("outcome", accepted ? "accepted" : "failed"));
        if (accepted)
        {
            _mailed.Add(alerts, tag);
        }
    }

    public void Notified(string route, string receiver, long started, bool accepted)
    {
        KeyValuePair<string, object?> routeTag = new("route", route), receiverTag = new("receiver", receiver);
        _notificationDuration.Record(_time.GetElapsedTime(started).TotalSeconds, routeTag, receiverTag, new("outcome", accepted ? "accepted" : "failed"));
        (accepted ? _notificationsSent : _notificationsFailed).Add(1, routeTag, receiverTag);
    }

    public void NotificationParked(string route, string receiver) => _notificationsParked.Add(1, new("route", route), new("receiver", receiver));

    public void Silenced(string route) => _silenced.Add(1, new KeyValuePair<string, object?>("route", route));

    public void Duplicates(string route, int count)
    {
        if (count > 0)
        {
            _duplicates.Add(count, new KeyValuePair<string, object?>("route", route));
        }
    }

    /// <param name="alerts">How many alerts were parked: one, or the count of a group's notification.</param>
    public void Parked(string route, long alerts = 1) => _parked.Add(alerts, new KeyValuePair<string, object?>("route", route));

    public void HistoryDropped() => _historyDropped.Add(1);
}
