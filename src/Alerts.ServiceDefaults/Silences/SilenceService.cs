using Alerts.Contracts.Silences;

namespace Alerts.ServiceDefaults;

/// <summary>
/// A silence's life, in one place for the command line and the HTTP API, as Alertmanager's silence package keeps it:
/// checked and created, queried, and expired (a pending one too: it then never starts). The silences themselves live
/// in the broker's stream (<see cref="SilenceStore"/>), which every consumer follows.
/// </summary>
public sealed class SilenceService(SilenceStore store, TimeProvider time)
{
    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Checks a silence and publishes it; a start in the past begins now, and an id that exists updates that silence.</summary>
    /// <exception cref="InvalidSilenceException">What is wrong with it, in one line.</exception>
    public async Task<Silence> CreateAsync(
        Guid? id, IReadOnlyList<Matcher>? matchers, DateTimeOffset? startsAt, DateTimeOffset? endsAt, string? createdBy, string? comment,
        CancellationToken cancellationToken)
    {
        var now = Now;
        if (Invalid(matchers, startsAt, endsAt, createdBy, comment, now) is { } problem)
        {
            throw new InvalidSilenceException(problem);
        }

        var silence = new Silence(id ?? Guid.NewGuid(), matchers!, startsAt!.Value < now ? now : startsAt.Value, endsAt!.Value, createdBy!, comment!);
        await store.PublishAsync(silence, cancellationToken);
        return silence;
    }

    /// <summary>Every silence, the newest version of each, soonest to end first.</summary>
    public async Task<IReadOnlyList<Silence>> QueryAsync(CancellationToken cancellationToken) =>
        [.. (await store.ReadAllAsync(cancellationToken)).OrderBy(silence => silence.EndsAt)];

    public async Task<Silence?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        (await store.ReadAllAsync(cancellationToken)).FirstOrDefault(silence => silence.Id == id);

    /// <summary>Ends a silence now, or keeps a pending one from ever starting; one already expired stays as it was.</summary>
    /// <returns>The silence as it is now, or null when there is none of that id.</returns>
    public async Task<(Silence Silence, bool WasExpired)?> ExpireAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, cancellationToken) is not { } silence)
        {
            return null;
        }

        var now = Now;
        if (silence.StateAt(now) == SilenceState.Expired)
        {
            return (silence, true);
        }

        var expired = silence.ExpiredAt(now);
        await store.PublishAsync(expired, cancellationToken);
        return (expired, false);
    }

    static string? Invalid(
        IReadOnlyList<Matcher>? matchers, DateTimeOffset? startsAt, DateTimeOffset? endsAt, string? createdBy, string? comment, DateTimeOffset now)
    {
        if (matchers is not { Count: > 0 })
        {
            return "a silence needs at least one matcher";
        }

        foreach (var matcher in matchers)
        {
            if (string.IsNullOrWhiteSpace(matcher.Name))
            {
                return "a matcher has no name";
            }

            if (matcher.IsRegex && !Matcher.IsValidRegex(matcher.Value, out var error))
            {
                return error;
            }
        }

        if (startsAt is null || endsAt is null || endsAt <= startsAt || endsAt <= now)
        {
            return "a silence needs startsAt before endsAt, and endsAt in the future";
        }

        return string.IsNullOrWhiteSpace(createdBy) || string.IsNullOrWhiteSpace(comment) ? "a silence needs an author (createdBy) and a comment" : null;
    }
}

/// <summary>A silence that cannot be created as it is; the message says why, in one line.</summary>
public sealed class InvalidSilenceException(string message) : Exception(message);
