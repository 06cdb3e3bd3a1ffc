using Alerts.Contracts.Silences;
using Alerts.Producer.History;

namespace Alerts.Producer.FrontDoor;

/// <summary>A firing alert as Alertmanager's API shows it (its <c>gettableAlert</c>), with the groups it is in.</summary>
public sealed record AlertView(object Gettable, IReadOnlyList<(string Receiver, IReadOnlyDictionary<string, string> Labels)> Groups)
{
    /// <returns>The alert's view, or null when the filter leaves it out.</returns>
    public static AlertView? Of(BoardAlert alert, DateTimeOffset now, IReadOnlyList<Silence> silences, AlertFilter filter, TimeSpan resolveTimeout)
    {
        if (!filter.Matches(alert.Shown))
        {
            return null;
        }

        var silencedBy = silences.Where(silence => silence.IsActive(now) && silence.Matches(alert.Label)).Select(silence => silence.Id.ToString()).ToList();
        var state = silencedBy.Count > 0 ? "suppressed" : "active";
        if ((!filter.Active && state == "active") || (!filter.Silenced && silencedBy.Count > 0))
        {
            return null;
        }

        var receivers = alert.Routes.Keys.Where(route => filter.Receiver?.IsMatch(route) != false).ToList();
        if (receivers.Count == 0)
        {
            return null;
        }

        var gettable = new
        {
            annotations = alert.Annotations,
            endsAt = alert.EndsAt(resolveTimeout),
            fingerprint = alert.Fingerprint,
            receivers = receivers.Select(name => new { name }).ToList(),
            startsAt = alert.StartsAt,
            status = new { inhibitedBy = Array.Empty<string>(), mutedBy = Array.Empty<string>(), silencedBy, state },
            updatedAt = alert.UpdatedAt,
            generatorURL = alert.GeneratorUrl,
            labels = alert.Labels,
        };
        return new AlertView(gettable, [.. receivers.Select(route => (route, alert.Routes[route]))]);
    }
}
