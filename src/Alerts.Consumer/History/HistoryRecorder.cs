using System.Threading.Channels;
using Alerts.Consumer.Admission;
using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;
using Alerts.Contracts;
using Alerts.Contracts.History;

namespace Alerts.Consumer.History;

/// <summary>
/// Records what each route does with an alert (took it, muted it, notified it, parked it) for the history stream, which
/// <see cref="HistoryWriter"/> appends to in batches. Re-sends of one alert on a route within <see cref="ResendWindow"/>
/// are counted into one event, so a storm of a million copies of one alert is a few events, not a million.
/// </summary>
/// <remarks>
/// The alert's acknowledgement does not wait for its event: the history observes the pipeline and must not slow it.
/// A stop writes what is waiting; a crash can lose the last moment's events, never an alert.
/// </remarks>
public sealed class HistoryRecorder(TimeProvider time, AlertMetrics metrics)
{
    public static readonly TimeSpan ResendWindow = TimeSpan.FromSeconds(10);

    // Bounds memory while the broker cannot take events: beyond it, events are counted as dropped (alerts.history.dropped).
    const int Capacity = 100_000;
    const int MaxSightings = 50_000;

    readonly Channel<AlertEvent> _events = Channel.CreateBounded<AlertEvent>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true }, _ => metrics.HistoryDropped());

    readonly Dictionary<(string Route, string Fingerprint), Sighting> _sightings = [];

    /// <summary>What waits to be written, oldest first.</summary>
    public ChannelReader<AlertEvent> Events => _events.Reader;

    /// <param name="mutedBy">The silence that muted the alert, if one did.</param>
    public void Admitted(Route route, AdmittedAlert alert, Guid? mutedBy)
    {
        var labels = AlertLabels.Of(alert.ExtraLabels, alert.RoutingKey, alert.Source);
        var kind = alert.Resolved ? AlertEventKinds.Resolved : mutedBy is null ? AlertEventKinds.Received : AlertEventKinds.Silenced;
        var now = time.GetUtcNow();
        var recorded = new AlertEvent(kind, now, route.Name, AlertLabels.Fingerprint(labels), labels, GroupOf(route, alert.Label), alert.Text,
            alert.Annotations, alert.OccurredAt, alert.EndsAt, alert.GeneratorUrl, SilencedBy: mutedBy is { } silence ? [silence] : null,
            RoutingKey: alert.RoutingKey.ToString(), Source: alert.Source);
        lock (_sightings)
        {
            var key = (route.Name, recorded.Fingerprint!);
            // A re-send is counted, not written, unless the end the alert last said comes before the count would be written.
            if (_sightings.TryGetValue(key, out var seen) && seen.Last.Kind == kind && kind != AlertEventKinds.Resolved && now - seen.Last.At < ResendWindow
                && (seen.Last.EndsAt is not { } end || end - now > 2 * ResendWindow))
            {
                seen.Unwritten = recorded with { Count = seen.Unwritten.Count + 1 };
                seen.Pending = true;
                return;
            }

            if (seen?.Pending == true)
            {
                Write(seen.Unwritten);
            }

            if (_sightings.Count >= MaxSightings)
            {
                FlushLocked(now, all: true);
                _sightings.Clear();
            }

            _sightings[key] = new Sighting(recorded);
        }

        Write(recorded);
    }

    /// <summary>A receiver accepted a notification: one alert's, or a group's digest.</summary>
    public void Notified(Route route, Notification notification, string receiver) =>
        Write(Describe(route, notification, AlertEventKinds.Notified, receiver: receiver));

    /// <summary>An alert, or a notification, was parked in one of the route's error queues.</summary>
    /// <param name="route">The route, when the queue is one of a configured route's.</param>
    public void Parked(Route? route, string routeName, object? message, string reason) => Write(message switch
    {
        Notification notification when route is not null => Describe(route, notification, AlertEventKinds.Parked),
        Alert { RoutingKey: { } key } alert => Of(AlertLabels.Of(alert.Labels, key, alert.Source), AlertEventKinds.Parked, routeName, alert.Text)
            with { RoutingKey = key.ToString(), Source = alert.Source },
        _ => Of([], AlertEventKinds.Parked, routeName, null),
    } with { Reason = reason });

    /// <summary>Writes the re-sends counted but not yet written: those older than <see cref="ResendWindow"/> (every second), or all (at stop).</summary>
    public void FlushResends(bool all = false)
    {
        lock (_sightings)
        {
            FlushLocked(time.GetUtcNow(), all);
        }
    }

    void FlushLocked(DateTimeOffset now, bool all)
    {
        foreach (var seen in _sightings.Values)
        {
            if (seen.Pending && (all || now - seen.Last.At >= ResendWindow))
            {
                Write(seen.Unwritten);
                seen.Written(seen.Unwritten with { At = now });
            }
        }
    }

    // Built in one go: a notification is described once per alert mailed, and each copy of this record costs its 17 fields.
    AlertEvent Describe(Route route, Notification notification, string kind, string? receiver = null)
    {
        var first = notification.Summary.WholeAlerts is [var head, ..] ? head.ToAdmittedAlert() : null;
        var group = GroupOf(route, name => first?.Label(name));
        var labels = notification.Summary.Count == 1 && first is not null
            ? AlertLabels.Of(first.ExtraLabels, first.RoutingKey, first.Source)
            : new Dictionary<string, string>(group);
        return new AlertEvent(kind, time.GetUtcNow(), route.Name, labels.Count > 0 ? AlertLabels.Fingerprint(labels) : null, labels, group, first?.Text,
            Count: notification.Summary.Count, Receiver: receiver, RoutingKey: first?.RoutingKey.ToString(), Source: first?.Source);
    }

    AlertEvent Of(Dictionary<string, string> labels, string kind, string route, string? text) =>
        new(kind, time.GetUtcNow(), route, labels.Count > 0 ? AlertLabels.Fingerprint(labels) : null, labels, Text: text);

    static Dictionary<string, string> GroupOf(Route route, Func<string, string?> label) => route.Options.Grouping.By
        .Select(name => (Name: name, Value: label(name)))
        .Where(pair => pair.Value is not null)
        .ToDictionary(pair => pair.Name, pair => pair.Value!);

    void Write(AlertEvent recorded) => _events.Writer.TryWrite(recorded);

    /// <summary>The last event written for an alert on a route, and the re-sends counted since.</summary>
    sealed class Sighting(AlertEvent last)
    {
        public AlertEvent Last { get; private set; } = last;

        public AlertEvent Unwritten { get; set; } = last with { Count = 0 };

        public bool Pending { get; set; }

        public void Written(AlertEvent written)
        {
            Last = written;
            Unwritten = written with { Count = 0 };
            Pending = false;
        }
    }
}
