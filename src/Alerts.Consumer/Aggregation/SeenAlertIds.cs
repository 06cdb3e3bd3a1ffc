using Alerts.Consumer.Settings;

namespace Alerts.Consumer.Aggregation;

/// <summary>
/// The alert ids one group saw within its repeat interval: the same id again is the same event (a redelivery, a replay, a
/// client's retried publish), counted once. Bounded by <see cref="GroupingOptions.MaxRememberedIds"/>, oldest forgotten
/// first; a forgotten id counts again, as one seen after the repeat interval does.
/// </summary>
public sealed class SeenAlertIds(GroupingOptions grouping)
{
    readonly Dictionary<Guid, DateTimeOffset> _seen = [];
    readonly Queue<(Guid Id, DateTimeOffset At)> _order = new();

    public int Count => _seen.Count;

    /// <returns>False for an id seen within the repeat interval: the same event again.</returns>
    public bool Remember(Guid id, DateTimeOffset now)
    {
        if (_seen.TryGetValue(id, out var seenAt) && now - seenAt < grouping.RepeatInterval)
        {
            return false;
        }

        _seen[id] = now;
        _order.Enqueue((id, now));
        while (_seen.Count > grouping.MaxRememberedIds)
        {
            ForgetOldest();
        }

        return true;
    }

    /// <summary>Forgets the ids seen a repeat interval ago or longer.</summary>
    public void ForgetExpired(DateTimeOffset now)
    {
        while (_order.TryPeek(out var oldest) && now - oldest.At >= grouping.RepeatInterval)
        {
            ForgetOldest();
        }
    }

    void ForgetOldest()
    {
        var (id, at) = _order.Dequeue();
        if (_seen.TryGetValue(id, out var latest) && latest == at)
        {
            _seen.Remove(id);
        }
    }
}
