using System.Collections.Immutable;
using Alerts.Contracts.Silences;

namespace Alerts.ServiceDefaults;

/// <summary>The silences as last read, for a service that only looks them up (the front door's queries).</summary>
public sealed class SilenceCopy : ISilenceCopy
{
    ImmutableDictionary<Guid, Silence> _silences = ImmutableDictionary<Guid, Silence>.Empty;
    readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Loaded => _loaded.Task;

    public IEnumerable<Silence> All => _silences.Values;

    public void Apply(Silence silence) => ImmutableInterlocked.AddOrUpdate(ref _silences, silence.Id, silence, (_, _) => silence);

    public void MarkLoaded() => _loaded.TrySetResult();
}
