using Alerts.Consumer.Settings;

namespace Alerts.Consumer.Aggregation;

/// <summary>
/// One group of a route's alerts at the replica that notifies the route, as Alertmanager's aggregation group: what arrived
/// since the group's last notification, and when the next is due: <see cref="GroupingOptions.GroupWait"/> after its first
/// alert, then at most once per <see cref="GroupingOptions.GroupInterval"/>, and only when alerts arrived.
/// </summary>
public sealed class AggregationGroup(string key, GroupingOptions grouping)
{
    /// <summary>How long a group whose notification could not be published waits before it tries again.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    readonly SeenAlertIds _seen = new(grouping);

    public string Key => key;

    public GroupSummary Pending { get; private set; } = new();

    public DateTimeOffset DueAt { get; private set; }

    public DateTimeOffset? LastNotified { get; private set; }

    /// <summary>What it gathered was taken to be published, as a notification or a carry-over, and is not back yet.</summary>
    public bool IsPublishing { get; private set; }

    /// <summary>Adds a tally's alerts, each id once within the repeat interval, and what another tally carried over.</summary>
    /// <returns>How many alerts it added, and how many it dropped as seen before.</returns>
    public (long Added, int Duplicates) Add(AlertTally tally, DateTimeOffset now)
    {
        var before = Pending.Count;
        if (tally.Carried is { } carried)
        {
            Pending.Add(carried);
        }

        var duplicates = 0;
        for (var index = 0; index < tally.Alerts.Count; index++)
        {
            if (tally.Alerts[index].Id is { } id && !_seen.Remember(id, now))
            {
                duplicates++;
                continue;
            }

            Pending.Add(tally, index);
        }

        if (before == 0 && Pending.Count > 0)
        {
            DueAt = Later(now + grouping.GroupWait, LastNotified + grouping.GroupInterval);
        }

        return (Pending.Count - before, duplicates);
    }

    public bool IsDue(DateTimeOffset now) => !IsPublishing && Pending.Count > 0 && DueAt <= now;

    /// <summary>Takes what the group gathered, to publish; the group gathers anew meanwhile.</summary>
    public GroupSummary Take()
    {
        IsPublishing = true;
        var taken = Pending;
        Pending = new GroupSummary();
        return taken;
    }

    /// <summary>What was taken is published: a notification starts the group interval, a carry-over changes no timer.</summary>
    public void Published(DateTimeOffset now, bool notified)
    {
        IsPublishing = false;
        if (notified)
        {
            LastNotified = now;
            DueAt = now + grouping.GroupInterval;
        }
    }

    /// <summary>Puts back what could not be published, before what arrived meanwhile, to try again shortly.</summary>
    public void Restore(GroupSummary taken, DateTimeOffset now)
    {
        IsPublishing = false;
        taken.Add(Pending);
        Pending = taken;
        DueAt = Later(DueAt, now + RetryDelay);
    }

    /// <summary>Quiet: nothing pending or in flight, its interval past, and no id it must still remember.</summary>
    public bool IsForgettable(DateTimeOffset now)
    {
        _seen.ForgetExpired(now);
        return _seen.Count == 0 && Pending.Count == 0 && !IsPublishing && (LastNotified is null || now - LastNotified >= grouping.GroupInterval);
    }

    static DateTimeOffset Later(DateTimeOffset first, DateTimeOffset? second) => second is { } other && other > first ? other : first;
}
