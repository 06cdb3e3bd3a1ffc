using System.Text.Json.Serialization;
using Alerts.Consumer.Admission;

namespace Alerts.Consumer.Aggregation;

/// <summary>
/// What a route's replicas hand, confirmed, to the one replica that notifies the route's groups (the digest queue's single
/// active consumer): the alerts of one group from one batch, or what that replica itself carried over for a group.
/// The alerts it accounts for are acknowledged once this is confirmed; it is acknowledged once a notification accounts for it.
/// Compact, as a storm sends many: each alert is its id and time, and indexes into the tally's own tables of distinct
/// texts, sources and routing keys (at most <see cref="GroupSummary.MaxDistinct"/> each; -1 for any other).
/// </summary>
public sealed record AlertTally
{
    public required string Group { get; init; }

    /// <summary>Alerts as received, each deduplicated by its id where its group is notified.</summary>
    public List<TalliedAlert> Alerts { get; init; } = [];

    public List<string> Texts { get; init; } = [];

    public List<string> Sources { get; init; } = [];

    public List<string> RoutingKeys { get; init; } = [];

    /// <summary>The first of <see cref="Alerts"/>, whole: a notification that accounts for it alone is the alert's own.</summary>
    public WholeAlert? First { get; init; }

    /// <summary>
    /// The first of <see cref="Alerts"/> whole, one for one, as many as the route's receivers list
    /// (<see cref="Settings.RouteOptions.ListedAlerts"/>): none on a route that only mails.
    /// </summary>
    public List<WholeAlert> Listed { get; init; } = [];

    /// <summary>Alerts already deduplicated and summed, carried over by the replica that notifies the group.</summary>
    public GroupSummary? Carried { get; init; }

    /// <summary>The group is of resolutions: its notification says RESOLVED.</summary>
    public bool Resolved { get; init; }

    /// <summary>Adds an alert seen at <paramref name="seenAt"/> (when it occurred, or else when it was received).</summary>
    /// <param name="listed">How many of the tally's first alerts go whole too, for receivers that list them.</param>
    public void Add(AdmittedAlert alert, DateTimeOffset seenAt, int listed = 0)
    {
        if (Listed.Count == Alerts.Count && Listed.Count < listed)
        {
            Listed.Add(WholeAlert.From(alert).Cut());
        }

        Alerts.Add(new TalliedAlert(
            alert.Id,
            IndexOf(Texts, GroupSummary.Cut(alert.Text)),
            IndexOf(Sources, alert.Source ?? GroupSummary.NoSource),
            IndexOf(RoutingKeys, alert.RoutingKey.ToString()),
            seenAt.ToUnixTimeMilliseconds()));
    }

    /// <summary>Checks what an intake always writes: a group, and alerts whose indexes are in the tally's tables.</summary>
    /// <exception cref="InvalidAlertException">The tally is malformed; it is parked, never added to its group.</exception>
    public void Check()
    {
        if (string.IsNullOrEmpty(Group) || (Alerts.Count == 0 && Carried is null))
        {
            throw new InvalidAlertException("the tally has no group, or no alert");
        }

        if (Listed.Count > Alerts.Count)
        {
            throw new InvalidAlertException("the tally lists more alerts whole than it has");
        }

        if (Alerts.Any(alert => !Within(alert.Text, Texts) || !Within(alert.Source, Sources) || !Within(alert.RoutingKey, RoutingKeys)))
        {
            throw new InvalidAlertException("the tally has an alert whose text, source or routing key it does not hold");
        }

        static bool Within(int index, List<string> table) => index >= -1 && index < table.Count;
    }

    static int IndexOf(List<string> table, string value)
    {
        var index = table.IndexOf(value);
        if (index < 0 && table.Count < GroupSummary.MaxDistinct)
        {
            table.Add(value);
            index = table.Count - 1;
        }

        return index;
    }
}

/// <summary>
/// One alert in a tally: its id, indexes into the tally's tables, and when it was seen (Unix milliseconds). Named in one
/// letter on the wire: a storm's tallies are mostly these, and the broker writes every byte of them to its log.
/// </summary>
public sealed record TalliedAlert(
    [property: JsonPropertyName("i")] Guid? Id,
    [property: JsonPropertyName("t")] int Text,
    [property: JsonPropertyName("s")] int Source,
    [property: JsonPropertyName("k")] int RoutingKey,
    [property: JsonPropertyName("a")] long SeenAt);

/// <summary>An alert as admission checked it, whole: to be notified alone, or listed to a receiver that lists alerts.</summary>
public sealed record WholeAlert(
    Guid? Id, string RoutingKey, string Text, string? Source, DateTimeOffset? OccurredAt, IReadOnlyDictionary<string, string>? Labels, bool Resolved = false,
    IReadOnlyDictionary<string, string>? Annotations = null, DateTimeOffset? EndsAt = null, string? GeneratorUrl = null)
{
    public static WholeAlert From(AdmittedAlert alert) => new(
        alert.Id, alert.RoutingKey.ToString(), alert.Text, alert.Source, alert.OccurredAt, alert.ExtraLabels, alert.Resolved,
        alert.Annotations, alert.EndsAt, alert.GeneratorUrl);

    /// <summary>As a digest lists it: text and annotations cut to <see cref="GroupSummary.MaxTextLength"/>, so a storm's notification stays small.</summary>
    public WholeAlert Cut() => this with
    {
        Text = GroupSummary.Cut(Text),
        Annotations = Annotations?.ToDictionary(annotation => annotation.Key, annotation => GroupSummary.Cut(annotation.Value)),
    };

    public AdmittedAlert ToAdmittedAlert() => new(Id, Contracts.RoutingKey.Parse(RoutingKey), Text, Source, OccurredAt, Labels, Resolved)
    {
        Annotations = Annotations,
        EndsAt = EndsAt,
        GeneratorUrl = GeneratorUrl,
    };
}
