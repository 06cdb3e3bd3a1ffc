using Alerts.Contracts;
using Alerts.Contracts.History;
using Microsoft.Extensions.Options;

namespace Alerts.Producer.History;

/// <summary>
/// What is firing and what happened, as this front door read it from the broker's history stream: every replica reads the
/// same stream in the same order, so every replica answers alike. The stream is the record; this is its index in memory.
/// </summary>
public sealed class AlertBoard(IOptions<HistoryOptions> options, TimeProvider time)
{
    /// <summary>Events of several consumers arrive slightly out of time order; a history scan looks this far past its start.</summary>
    static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    readonly Lock _gate = new();
    readonly Dictionary<string, BoardAlert> _firing = new(StringComparer.Ordinal);
    readonly Dictionary<string, IReadOnlyDictionary<string, string>> _labelSets = new(StringComparer.Ordinal);
    readonly Dictionary<string, RouteAnnouncement> _routes = new(StringComparer.Ordinal);
    readonly List<HistoryEntry> _history = [];
    readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly HistoryOptions _options = options.Value;
    DateTimeOffset _pruned;

    /// <summary>Completes once everything in the stream when this front door started has been read.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>The stream position to read from next: what is before it was applied (a reader that reconnects skips it).</summary>
    public long NextOffset { get; private set; } = -1;

    public void MarkLoaded() => _loaded.TrySetResult();

    /// <returns>False for an event read before (the reader reconnected); it is not applied twice.</returns>
    public bool Apply(long offset, AlertEvent recorded) => Apply(offset, [recorded]);

    /// <summary>The events of one message of the stream, in the order they were written.</summary>
    /// <returns>False for a message read before (the reader reconnected); it is not applied twice.</returns>
    public bool Apply(long offset, IReadOnlyList<AlertEvent> events)
    {
        lock (_gate)
        {
            if (!Advance(offset))
            {
                return false;
            }

            Prune(time.GetUtcNow());
            foreach (var recorded in events)
            {
                var key = recorded.RoutingKey is { } text && RoutingKey.TryParse(text, out var parsed) ? parsed : null;
                var labels = Shared(recorded.Fingerprint, recorded.Labels);
                var kind = recorded.Kind;
                if (recorded is { Fingerprint: { } fingerprint, Route: { } route }
                    && kind is AlertEventKinds.Received or AlertEventKinds.Silenced or AlertEventKinds.Resolved or AlertEventKinds.Unrouted)
                {
                    kind = Fire(fingerprint, labels, key, route, recorded);
                }

                _history.Add(new HistoryEntry(offset, recorded.At, kind, recorded.Route, recorded.Fingerprint, labels, key, recorded.Source,
                    recorded.Text, recorded.Count, recorded.SilencedBy, recorded.Receiver, recorded.Reason));
            }

            return true;
        }
    }

    /// <summary>A route, as its consumers announced it; the newest announcement wins.</summary>
    public void Apply(long offset, RouteAnnouncement route)
    {
        lock (_gate)
        {
            if (Advance(offset))
            {
                _routes[route.Name] = route;
            }
        }
    }

    /// <summary>Moves the read position past a message that holds nothing for the board (a reader's marker).</summary>
    public void Skip(long offset)
    {
        lock (_gate)
        {
            Advance(offset);
        }
    }

    public IReadOnlyList<RouteAnnouncement> Routes()
    {
        lock (_gate)
        {
            return [.. _routes.Values.OrderBy(route => route.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>Each alert firing now, projected under the board's lock (null leaves it out).</summary>
    public List<T> Firing<T>(Func<BoardAlert, DateTimeOffset, T?> project)
        where T : class
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            Prune(now);
            var firing = new List<T>();
            foreach (var alert in _firing.Values)
            {
                if (alert.EndsAt(_options.ResolveTimeout) > now && project(alert, now) is { } projected)
                {
                    firing.Add(projected);
                }
            }

            return firing;
        }
    }

    /// <summary>The newest events between the two times that <paramref name="matches"/> takes, newest first, at most <paramref name="limit"/>.</summary>
    public List<HistoryEntry> History(Func<HistoryEntry, bool> matches, DateTimeOffset since, DateTimeOffset until, int limit)
    {
        var stop = since - DateTimeOffset.MinValue > ClockSkew ? since - ClockSkew : DateTimeOffset.MinValue;
        lock (_gate)
        {
            var found = new List<HistoryEntry>(Math.Min(limit, 1024));
            for (var index = _history.Count - 1; index >= 0 && found.Count < limit; index--)
            {
                var entry = _history[index];
                if (entry.At < stop)
                {
                    break;
                }

                if (entry.At >= since && entry.At <= until && matches(entry))
                {
                    found.Add(entry);
                }
            }

            return found;
        }
    }

    /// <returns>What became of the alert: <c>fired</c> for one not firing before, <c>resent</c> for one that was, or the event's kind.</returns>
    string Fire(string fingerprint, IReadOnlyDictionary<string, string> labels, RoutingKey? key, string route, AlertEvent recorded)
    {
        var firing = _firing.TryGetValue(fingerprint, out var alert) && alert.EndsAt(_options.ResolveTimeout) > recorded.At;
        if (recorded.Kind == AlertEventKinds.Resolved)
        {
            if (alert is not null && alert.Routes.Remove(route) && alert.Routes.Count == 0)
            {
                _firing.Remove(fingerprint);
            }

            return recorded.Kind;
        }

        if (!firing)
        {
            alert = new BoardAlert(fingerprint, labels, key, recorded.Source) { StartsAt = recorded.StartsAt ?? recorded.At };
            _firing[fingerprint] = alert;
        }

        alert!.UpdatedAt = recorded.At > alert.UpdatedAt ? recorded.At : alert.UpdatedAt;
        alert.SaidEnd = recorded.EndsAt;
        alert.Text = recorded.Text;
        alert.Annotations = recorded.Annotations is { Count: > 0 } annotations ? annotations
            : recorded.Text is { } text ? new Dictionary<string, string> { ["summary"] = text } : alert.Annotations;
        alert.GeneratorUrl = recorded.GeneratorUrl ?? alert.GeneratorUrl;
        alert.Routes[route] = recorded.Group ?? new Dictionary<string, string>();
        alert.Received += recorded.Count;
        return recorded.Kind == AlertEventKinds.Received ? firing ? AlertEventKinds.Resent : AlertEventKinds.Fired : recorded.Kind;
    }

    bool Advance(long offset)
    {
        if (offset < NextOffset)
        {
            return false;
        }

        NextOffset = offset + 1;
        return true;
    }

    /// <summary>Every alert of one label set shares one dictionary: a storm's million events hold one copy of its labels.</summary>
    IReadOnlyDictionary<string, string> Shared(string? fingerprint, IReadOnlyDictionary<string, string> labels)
    {
        if (fingerprint is null)
        {
            return labels;
        }

        if (!_labelSets.TryGetValue(fingerprint, out var shared))
        {
            if (_labelSets.Count >= 100_000)
            {
                _labelSets.Clear(); // a bound on memory: sharing saves memory, it decides nothing
            }

            _labelSets[fingerprint] = shared = labels;
        }

        return shared;
    }

    /// <summary>Forgets, at most once a minute, alerts that stopped firing and events older than the retention.</summary>
    void Prune(DateTimeOffset now)
    {
        if (now - _pruned < TimeSpan.FromMinutes(1))
        {
            return;
        }

        _pruned = now;
        foreach (var stopped in _firing.Values.Where(alert => alert.EndsAt(_options.ResolveTimeout) <= now).ToList())
        {
            _firing.Remove(stopped.Fingerprint);
        }

        var oldest = _history.FindIndex(entry => entry.At >= now - _options.Retention);
        _history.RemoveRange(0, oldest < 0 ? _history.Count : oldest);
    }
}
