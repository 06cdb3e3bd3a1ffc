using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;

namespace Alerts.Consumer.Aggregation;

/// <summary>
/// A route's groups at the one replica that notifies them (its digest queue's single active consumer). Each tally is
/// added to its group and held unacknowledged; when a group is due, what it gathered is published to the digest queue as
/// a notification, and once the broker confirmed it, the tallies that brought it are released. Sending the notification
/// is the notification stage's business, with its retries; what holds too much meanwhile is carried over the same way.
/// </summary>
/// <param name="publish">Publishes a message to the route's digest queue, returning once the broker confirmed it.</param>
public sealed partial class RouteAggregation(
    Route route, Func<object, CancellationToken, Task> publish, AlertMetrics metrics, TimeProvider time, ILogger logger)
{
    /// <summary>A group due sooner is notified rather than carried over.</summary>
    static readonly TimeSpan CarryOverMargin = TimeSpan.FromSeconds(2);

    readonly Lock _lock = new();
    readonly Dictionary<string, AggregationGroup> _groups = new(StringComparer.Ordinal);
    readonly HeldDeliveries _held = new();
    long _lastSweep;

    public int GroupCount
    {
        get
        {
            lock (_lock)
            {
                return _groups.Count;
            }
        }
    }

    /// <summary>Adds a tally to its group; completes once a published notification, or carry-over, accounts for its alerts.</summary>
    public async Task AddAsync(AlertTally tally, CancellationToken cancellationToken)
    {
        Task accounted;
        AggregationGroup group;
        Taken? carried = null;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (!_groups.TryGetValue(tally.Group, out group!))
            {
                _groups[tally.Group] = group = new AggregationGroup(tally.Group, route.Options.Grouping);
            }

            var (added, duplicates) = group.Add(tally, now);
            metrics.Duplicates(route.Name, duplicates);
            if (added == 0)
            {
                return; // every alert in it is already accounted for by this group
            }

            accounted = _held.Hold(group.Key);
            if (_held.IsFull(group.Key) && !group.IsPublishing && group.DueAt - now > CarryOverMargin)
            {
                carried = new Taken(group, group.Take(), _held.Take(group.Key));
            }
        }

        if (carried is not null)
        {
            await PublishAsync(carried, new AlertTally { Group = group.Key, Carried = carried.Summary }, notified: false, cancellationToken);
        }

        await accounted.WaitAsync(cancellationToken);
    }

    /// <summary>Publishes a notification of every group that is due; one that could not be published is tried again shortly.</summary>
    public async Task PublishDueAsync(CancellationToken cancellationToken)
    {
        var due = new List<Taken>();
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var group in _groups.Values.Where(group => group.IsDue(now)))
            {
                due.Add(new Taken(group, group.Take(), _held.Take(group.Key)));
            }

            Sweep(now);
        }

        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken },
            async (taken, cancel) => await PublishAsync(taken, new Notification(taken.Group.Key, taken.Summary), notified: true, cancel));
    }

    async Task PublishAsync(Taken taken, object message, bool notified, CancellationToken cancellationToken)
    {
        try
        {
            await publish(message, cancellationToken);
        }
        catch (Exception failure)
        {
            lock (_lock)
            {
                taken.Group.Restore(taken.Summary, time.GetUtcNow());
                _held.Restore(taken.Group.Key, taken.Releases);
            }

            if (failure is not OperationCanceledException)
            {
                LogNotPublished(taken.Group.Key, route.Name, taken.Summary.Count, failure.Message);
            }

            return;
        }

        lock (_lock)
        {
            taken.Group.Published(time.GetUtcNow(), notified);
            _held.Release(taken.Releases);
        }
    }

    /// <summary>Once a second, forgets the groups that are quiet and hold nothing.</summary>
    void Sweep(DateTimeOffset now)
    {
        if (time.GetElapsedTime(_lastSweep) < TimeSpan.FromSeconds(1))
        {
            return;
        }

        _lastSweep = time.GetTimestamp();
        foreach (var quiet in _groups.Values.Where(group => _held.CountOf(group.Key) == 0 && group.IsForgettable(now)).ToList())
        {
            _groups.Remove(quiet.Key);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not publish group {Group} of route {Route} ({Count} alerts) to its digest queue; they stay held: {Reason}")]
    partial void LogNotPublished(string group, string route, long count, string reason);

    /// <summary>What a group gathered and the deliveries that brought it, taken together to publish.</summary>
    sealed record Taken(AggregationGroup Group, GroupSummary Summary, List<TaskCompletionSource> Releases);
}
