namespace Alerts.Consumer.Aggregation;

/// <summary>
/// The ledger of the tallies a route's groups hold unacknowledged on the digest queue, each until a notification or a
/// carry-over that the broker confirmed accounts for its alerts. RabbitMQ delivers no more than the digest queue's
/// prefetch, so what is held must stay well below it: a group that holds <see cref="PerGroup"/> tallies, or a ledger that
/// holds <see cref="Max"/>, is told to carry over. Not thread-safe: its route's aggregation holds the lock.
/// </summary>
public sealed class HeldDeliveries
{
    public const int PerGroup = 16;

    public const int Max = 256;

    readonly Dictionary<string, List<TaskCompletionSource>> _byGroup = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public int CountOf(string group) => _byGroup.TryGetValue(group, out var held) ? held.Count : 0;

    /// <summary>Holds one more delivery of the group; the task completes once what accounts for it is published.</summary>
    public Task Hold(string group)
    {
        if (!_byGroup.TryGetValue(group, out var held))
        {
            _byGroup[group] = held = [];
        }

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        held.Add(release);
        Count++;
        return release.Task;
    }

    /// <summary>Whether the group, or the ledger as a whole, holds as much as it should.</summary>
    public bool IsFull(string group) => CountOf(group) >= PerGroup || Count >= Max;

    /// <summary>Takes the group's held deliveries along with what the group gathered, to release once that is published.</summary>
    public List<TaskCompletionSource> Take(string group) => _byGroup.Remove(group, out var held) ? held : [];

    /// <summary>Puts back what could not be released, before what was held meanwhile.</summary>
    public void Restore(string group, List<TaskCompletionSource> taken)
    {
        if (_byGroup.Remove(group, out var meanwhile))
        {
            taken.AddRange(meanwhile);
        }

        if (taken.Count > 0)
        {
            _byGroup[group] = taken;
        }
    }

    /// <summary>Lets the consumer acknowledge the taken deliveries: something durable accounts for their alerts now.</summary>
    public void Release(List<TaskCompletionSource> taken)
    {
        Count -= taken.Count;
        taken.ForEach(release => release.TrySetResult());
    }
}
