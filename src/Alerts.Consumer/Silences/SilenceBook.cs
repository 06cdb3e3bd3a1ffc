using System.Collections.Immutable;
using Alerts.ServiceDefaults;
using Alerts.Contracts.Silences;
using Alerts.Consumer.Admission;
using Alerts.Consumer.Telemetry;

namespace Alerts.Consumer.Silences;

/// <summary>
/// Every silence this process has read from the broker's silence stream, latest version of each. Alerts wait for
/// <see cref="Loaded"/>, so an alert is never mailed because the silences it matches were not read yet.
/// </summary>
public sealed partial class SilenceBook(TimeProvider time, AlertMetrics metrics, ILogger<SilenceBook> logger) : ISilenceCopy
{
    ImmutableDictionary<Guid, Silence> _silences = ImmutableDictionary<Guid, Silence>.Empty;
    readonly HashSet<(Guid Silence, string Group)> _muted = [];
    readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the silences that existed when this process started have been read.</summary>
    public Task Loaded => _loaded.Task;

    public void MarkLoaded() => _loaded.TrySetResult();

    /// <summary>Keeps the newest version of a silence: its first, or one with a changed end.</summary>
    public void Apply(Silence silence) => ImmutableInterlocked.AddOrUpdate(ref _silences, silence.Id, silence, (_, _) => silence);

    /// <summary>
    /// The active silence that mutes the alert, if one does: the alert is counted for its route, and logged once per group
    /// and silence, so a muted storm is one log line, not one per alert.
    /// </summary>
    public Silence? Muting(AdmittedAlert alert, string route)
    {
        var now = time.GetUtcNow();
        foreach (var silence in _silences.Values)
        {
            if (silence.IsActive(now) && silence.Matches(alert.Label))
            {
                metrics.Silenced(route);
                if (FirstMuted(silence, alert.Group))
                {
                    LogSilenced(alert.Group, route, silence.Id, silence.CreatedBy, silence.Comment);
                }

                return silence;
            }
        }

        return null;
    }

    public IEnumerable<Silence> All => _silences.Values;

    bool FirstMuted(Silence silence, string group)
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

    [LoggerMessage(LogLevel.Information, "Silenced alerts of group {Group} for route {Route} by silence {SilenceId} of {CreatedBy}: {Comment}")]
    partial void LogSilenced(string group, string route, Guid silenceId, string createdBy, string comment);
}
