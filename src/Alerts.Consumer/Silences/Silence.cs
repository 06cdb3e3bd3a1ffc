using Alerts.Consumer.Consumers;

namespace Alerts.Consumer.Silences;

/// <summary>
/// Mutes the alerts that match every one of its matchers from <see cref="StartsAt"/> until <see cref="EndsAt"/>.
/// Kept, as Alertmanager keeps it, with who made it and why; expiring a silence sets its end to now.
/// </summary>
public sealed record Silence(
    Guid Id, IReadOnlyList<Matcher> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string CreatedBy, string Comment)
{
    public bool IsActive(DateTimeOffset now) => StartsAt <= now && now < EndsAt;

    public bool Matches(RoutedAlert alert) => Matchers.All(matcher => matcher.Matches(alert));

    public override string ToString() => $"{{{string.Join(", ", Matchers)}}}";
}
