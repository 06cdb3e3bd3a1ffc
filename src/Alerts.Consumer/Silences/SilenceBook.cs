using System.Collections.Immutable;
using Alerts.Contracts.Silences;
using Alerts.Consumer.Consumers;

namespace Alerts.Consumer.Silences;

/// <summary>
/// Every silence this process has read from the broker's silence stream, latest version of each. Alerts wait for
/// <see cref="Loaded"/>, so an alert is never mailed because the silences it matches were not read yet.
/// </summary>
public sealed class SilenceBook(TimeProvider time)
{
    ImmutableDictionary<Guid, Silence> _silences = ImmutableDictionary<Guid, Silence>.Empty;
    readonly HashSet<(Guid Silence, string Group)> _muted = [];
    readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the silences that existed when this process started have been read.</summary>
    public Task Loaded => _loaded.Task;

    public void MarkLoaded() => _loaded.TrySetResult();

    /// <summary>Keeps the newest version of a silence: its first, or one with a changed end.</summary>
    public void Apply(Silence silence) => ImmutableInterlocked.AddOrUpdate(ref _silences, silence.Id, silence, (_, _) => silence);

    /// <summary>The active silence that mutes the alert, if any.</summary>
    public Silence? Muting(RoutedAlert alert)
    {
        var now = time.GetUtcNow();
        foreach (var silence in _silences.Values)
        {
            if (silence.IsActive(now) && silence.Matches(alert.Label))
            {
                return silence;
            }
        }

        return null;
    }

    public IEnumerable<Silence> All => _silences.Values;

    /// <summary>True the first time a silence mutes a group's alert here: a muted storm is logged once per group, not per alert.</summary>
    public bool FirstMuted(Silence silence, string group)
    {
        lock (_muted)
        {
            if (_muted.Count >= 10_000)
            {
                _muted.Clear(); // a bound on memory; at worst a group is logged once more
            }

            return _muted.Add((silence.Id, group));
        }
    }
}
