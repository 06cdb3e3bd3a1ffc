using Alerts.Consumer.Mail;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;

namespace Alerts.Consumer.Digests;

/// <summary>
/// A route's groups, at the one replica that mails them. Each group sums what arrived since its last mail and holds the
/// tallies that brought it unacknowledged; a mail the server accepted, or a confirmed carry-over, releases them. Mails a
/// new group after <see cref="GroupingOptions.GroupWait"/>, then at most once per <see cref="GroupingOptions.GroupInterval"/>.
/// </summary>
public sealed partial class GroupBook(
    string routeName, RouteOptions route, RetryOptions retry, AlertMailer mailer, AlertMetrics metrics, TimeProvider time, ILogger logger)
{
    /// <summary>
    /// Tallies a group holds before it carries them over as one, and that the book holds in all: RabbitMQ delivers no
    /// more than the digest queue's prefetch, so held deliveries must not fill it while groups wait for their interval.
    /// </summary>
    public const int HeldPerGroup = 16;

    public const int MaxHeld = 256;

    // A group due sooner is mailed rather than carried over.
    static readonly TimeSpan CarryOverMargin = TimeSpan.FromSeconds(2);

    readonly GroupingOptions _grouping = route.Grouping;
    readonly Lock _lock = new();
    readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    int _held;
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

    /// <summary>Adds a tally to its group; completes once a mail, or a confirmed carry-over, accounts for its alerts.</summary>
    /// <param name="carryOver">Publishes a tally to the digest queue, returning once the broker confirmed it.</param>
    public async Task AddAsync(AlertTally tally, Func<AlertTally, Task> carryOver, CancellationToken cancellationToken)
    {
        Task accounted;
        Group group;
        Held? carried = null;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (!_groups.TryGetValue(tally.Group, out group!))
            {
                _groups[tally.Group] = group = new Group(tally.Group);
            }

            var pendingBefore = group.Pending.Count;
            if (tally.Carried is { } summary)
            {
                group.Pending.Add(summary);
            }

            var duplicates = 0;
            foreach (var alert in tally.Alerts)
            {
                if (alert.Id is { } id && !group.Remember(id, now, _grouping))
                {
                    duplicates++;
                    continue;
                }

                group.Pending.Add(tally, alert);
            }

            metrics.Duplicates(routeName, duplicates);
            if (group.Pending.Count == pendingBefore)
            {
                return; // every alert in it is already accounted for by this group
            }

            if (pendingBefore == 0)
            {
                group.DueAt = Later(now + _grouping.GroupWait, group.LastMailed + _grouping.GroupInterval);
            }

            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            group.Held.Add(release);
            _held++;
            accounted = release.Task;
            if ((group.Held.Count >= HeldPerGroup || _held >= MaxHeld) && !group.Mailing && group.DueAt - now > CarryOverMargin)
            {
                carried = Take(group);
            }
        }

        if (carried is not null)
        {
            await CarryOverAsync(group, carried, carryOver);
        }

        await accounted.WaitAsync(cancellationToken);
    }

    /// <summary>Mails every group that is due; a failed mail is tried again later, its alerts still held.</summary>
    public async Task MailDueAsync(CancellationToken cancellationToken)
    {
        var due = new List<(Group Group, Held Taken)>();
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var group in _groups.Values)
            {
                if (!group.Mailing && group.Pending.Count > 0 && group.DueAt <= now && group.RetryAt <= now)
                {
                    group.Mailing = true;
                    due.Add((group, Take(group)));
                }
            }

            Sweep(now);
        }

        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (item, cancel) => await MailAsync(item.Group, item.Taken, cancel));
    }

    async Task MailAsync(Group group, Held taken, CancellationToken cancellationToken)
    {
        var sending = metrics.StartSend();
        try
        {
            await mailer.SendAsync(DigestMail.Create(group.Key, taken.Summary, routeName, route, mailer.From), cancellationToken);
        }
        catch (Exception failure)
        {
            metrics.Sent(routeName, sending, accepted: false);
            lock (_lock)
            {
                Restore(group, taken);
                group.Mailing = false;
                group.Failures++;
                group.RetryAt = time.GetUtcNow() + Backoff(group.Failures);
            }

            if (failure is not OperationCanceledException)
            {
                LogMailFailed(group.Key, taken.Summary.Count, routeName, group.Failures, failure.Message);
            }

            return;
        }

        metrics.Sent(routeName, sending, accepted: true, taken.Summary.Count);
        lock (_lock)
        {
            group.LastMailed = time.GetUtcNow();
            group.Mailing = false;
            group.Failures = 0;
            group.DueAt = group.LastMailed.Value + _grouping.GroupInterval;
        }

        Release(taken);
        LogMailed(taken.Summary.Count, group.Key, route.To, routeName);
    }

    async Task CarryOverAsync(Group group, Held taken, Func<AlertTally, Task> carryOver)
    {
        try
        {
            await carryOver(new AlertTally { Group = group.Key, Carried = taken.Summary });
        }
        catch (Exception failure)
        {
            lock (_lock)
            {
                Restore(group, taken);
            }

            LogCarryOverFailed(group.Key, routeName, failure.Message);
            return;
        }

        Release(taken);
    }

    /// <summary>Takes what a group has gathered, to mail or carry over; the group starts gathering anew.</summary>
    static Held Take(Group group)
    {
        var taken = new Held(group.Pending, group.Held);
        group.Pending = new GroupSummary();
        group.Held = [];
        return taken;
    }

    /// <summary>Puts back what could not be mailed or carried over, before what arrived meanwhile.</summary>
    static void Restore(Group group, Held taken)
    {
        taken.Summary.Add(group.Pending);
        group.Pending = taken.Summary;
        group.Held.InsertRange(0, taken.Releases);
    }

    void Release(Held taken)
    {
        lock (_lock)
        {
            _held -= taken.Releases.Count;
        }

        foreach (var release in taken.Releases)
        {
            release.TrySetResult();
        }
    }

    /// <summary>Once a second, forgets groups that are quiet, past their interval, and remember no id within the repeat interval.</summary>
    void Sweep(DateTimeOffset now)
    {
        if (time.GetElapsedTime(_lastSweep) < TimeSpan.FromSeconds(1))
        {
            return;
        }

        _lastSweep = time.GetTimestamp();
        List<string>? quiet = null;
        foreach (var group in _groups.Values)
        {
            if (group.IsForgettable(now, _grouping))
            {
                (quiet ??= []).Add(group.Key);
            }
        }

        quiet?.ForEach(key => _groups.Remove(key));
    }

    TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(retry.MaxInterval.Ticks, retry.MinInterval.Ticks * (1L << Math.Min(failures - 1, 20))));

    static DateTimeOffset Later(DateTimeOffset first, DateTimeOffset? second) => second is { } other && other > first ? other : first;

    [LoggerMessage(LogLevel.Information, "Mailed {Count} alert(s) of group {Group} to {Recipients} for route {Route}")]
    partial void LogMailed(long count, string group, List<string> recipients, string route);

    [LoggerMessage(LogLevel.Warning, "Could not mail {Count} alert(s) of group {Group} for route {Route} (attempt {Attempt}); they stay held: {Reason}")]
    partial void LogMailFailed(string group, long count, string route, int attempt, string reason);

    [LoggerMessage(LogLevel.Warning, "Could not carry over group {Group} of route {Route}; its alerts stay held: {Reason}")]
    partial void LogCarryOverFailed(string group, string route, string reason);

    /// <summary>What a group gathered and the tallies that brought it, taken together to mail or carry over.</summary>
    sealed record Held(GroupSummary Summary, List<TaskCompletionSource> Releases);

    sealed class Group(string key)
    {
        readonly Dictionary<Guid, DateTimeOffset> _seen = [];
        readonly Queue<(Guid Id, DateTimeOffset At)> _seenOrder = new();

        public string Key { get; } = key;

        public GroupSummary Pending { get; set; } = new();

        public List<TaskCompletionSource> Held { get; set; } = [];

        public DateTimeOffset DueAt { get; set; }

        public DateTimeOffset? LastMailed { get; set; }

        public bool Mailing { get; set; }

        public int Failures { get; set; }

        public DateTimeOffset RetryAt { get; set; }

        /// <returns>False for an id seen within the repeat interval: the same event again.</returns>
        public bool Remember(Guid id, DateTimeOffset now, GroupingOptions grouping)
        {
            if (_seen.TryGetValue(id, out var seenAt) && now - seenAt < grouping.RepeatInterval)
            {
                return false;
            }

            _seen[id] = now;
            _seenOrder.Enqueue((id, now));
            while (_seen.Count > grouping.MaxRememberedIds)
            {
                ForgetOldest();
            }

            return true;
        }

        public bool IsForgettable(DateTimeOffset now, GroupingOptions grouping)
        {
            while (_seenOrder.TryPeek(out var oldest) && now - oldest.At >= grouping.RepeatInterval)
            {
                ForgetOldest();
            }

            return _seen.Count == 0 && Pending.Count == 0 && Held.Count == 0 && !Mailing
                && (LastMailed is null || now - LastMailed >= grouping.GroupInterval);
        }

        void ForgetOldest()
        {
            var (id, at) = _seenOrder.Dequeue();
            if (_seen.TryGetValue(id, out var latest) && latest == at)
            {
                _seen.Remove(id);
            }
        }
    }
}
