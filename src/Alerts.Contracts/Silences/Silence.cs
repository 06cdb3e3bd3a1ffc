namespace Alerts.Contracts.Silences;

/// <summary>
/// Mutes the alerts that match every one of its matchers from <see cref="StartsAt"/> until <see cref="EndsAt"/>.
/// Kept, as Alertmanager keeps it, with who made it and why. In RabbitMQ's <c>silences</c> stream as JSON in
/// Alertmanager's shape: <c>{"id","matchers":[{"name","value","isRegex","isEqual"}],"startsAt","endsAt","createdBy","comment"}</c>.
/// </summary>
public sealed record Silence(
    Guid Id, IReadOnlyList<Matcher> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string CreatedBy, string Comment)
{
    public bool IsActive(DateTimeOffset now) => StateAt(now) == SilenceState.Active;

    public SilenceState StateAt(DateTimeOffset now) =>
        now < StartsAt ? SilenceState.Pending : now < EndsAt ? SilenceState.Active : SilenceState.Expired;

    /// <summary>As Alertmanager expires a silence: an active one ends now; a pending one starts and ends now, so it never mutes.</summary>
    public Silence ExpiredAt(DateTimeOffset now) => this with { StartsAt = StartsAt < now ? StartsAt : now, EndsAt = now };

    /// <param name="label">An alert's label by name: null for one it does not have.</param>
    public bool Matches(Func<string, string?> label) => Matchers.All(matcher => matcher.Matches(label));

    public override string ToString() => $"{{{string.Join(", ", Matchers)}}}";
}

/// <summary>Alertmanager's states of a silence.</summary>
public enum SilenceState
{
    Pending,
    Active,
    Expired,
}
