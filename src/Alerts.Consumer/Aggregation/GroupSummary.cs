using System.Text.Json.Serialization;
using Alerts.Consumer.Admission;

namespace Alerts.Consumer.Aggregation;

/// <summary>
/// What a group's next notification says: how many alerts, their distinct texts, sources and routing keys with counts, and
/// first and last seen. Bounded whatever the count: at most <see cref="MaxDistinct"/> texts, sources and keys are
/// named, the rest summed, so a digest for a storm of any size stays a few kilobytes.
/// </summary>
public sealed class GroupSummary
{
    public const int MaxDistinct = 20;

    /// <summary>Longer texts are cut in a digest; an alert notified alone keeps its whole text.</summary>
    public const int MaxTextLength = 300;

    public const string NoSource = "(not given)";

    /// <summary>The most alerts a summary keeps whole for receivers that list them; the most a webhook's <c>MaxAlerts</c> may ask.</summary>
    public const int MaxListed = 100;

    public long Count { get; set; }

    /// <summary>The group is of resolutions: its notification says RESOLVED.</summary>
    public bool Resolved { get; set; }

    public Dictionary<string, long> Texts { get; set; } = [];

    public long OtherTexts { get; set; }

    public Dictionary<string, long> Sources { get; set; } = [];

    public long OtherSources { get; set; }

    public Dictionary<string, long> RoutingKeys { get; set; } = [];

    public long OtherRoutingKeys { get; set; }

    public DateTimeOffset? FirstSeen { get; set; }

    public DateTimeOffset? LastSeen { get; set; }

    /// <summary>The group's first alert, whole, when known: a notification that accounts for one alert reads as that alert's own.</summary>
    public WholeAlert? First { get; set; }

    /// <summary>The first alerts, whole, on a route whose receivers list them (webhooks): at most <see cref="MaxListed"/>.</summary>
    public List<WholeAlert> Listed { get; set; } = [];

    /// <summary>The alerts it names whole: one alert notified alone as it came, those of a digest as listed (cut).</summary>
    [JsonIgnore]
    public IReadOnlyList<WholeAlert> WholeAlerts => Count == 1 && First is { } first ? [first] : Listed;

    /// <summary>One alert, to be notified alone.</summary>
    public static GroupSummary Of(AdmittedAlert alert) => new()
    {
        Count = 1,
        Resolved = alert.Resolved,
        First = WholeAlert.From(alert),
        FirstSeen = alert.OccurredAt,
        LastSeen = alert.OccurredAt,
    };

    public static string Cut(string text) => text.Length <= MaxTextLength ? text : text[..MaxTextLength] + "…";

    /// <summary>Adds the tally's alert at <paramref name="index"/>, its texts, source and key looked up in the tally's tables.</summary>
    public void Add(AlertTally tally, int index)
    {
        var alert = tally.Alerts[index];
        if (Count == 0 && index == 0)
        {
            First = tally.First;
        }

        if (index < tally.Listed.Count && Listed.Count < MaxListed)
        {
            Listed.Add(tally.Listed[index]);
        }

        Resolved |= tally.Resolved;

        Count++;
        OtherTexts += Named(Texts, tally.Texts, alert.Text);
        OtherSources += Named(Sources, tally.Sources, alert.Source);
        OtherRoutingKeys += Named(RoutingKeys, tally.RoutingKeys, alert.RoutingKey);
        var seenAt = DateTimeOffset.FromUnixTimeMilliseconds(alert.SeenAt);
        Seen(seenAt, seenAt);
    }

    static long Named(Dictionary<string, long> counts, List<string> table, int index) => index >= 0 ? Tally(counts, table[index], 1) : 1;

    public void Add(GroupSummary other)
    {
        First ??= other.First;
        Listed.AddRange(other.Listed.Take(MaxListed - Listed.Count));
        Resolved |= other.Resolved;
        Count += other.Count;
        OtherTexts += other.OtherTexts + other.Texts.Sum(text => Tally(Texts, text.Key, text.Value));
        OtherSources += other.OtherSources + other.Sources.Sum(source => Tally(Sources, source.Key, source.Value));
        OtherRoutingKeys += other.OtherRoutingKeys + other.RoutingKeys.Sum(key => Tally(RoutingKeys, key.Key, key.Value));
        if (other.FirstSeen is { } first && other.LastSeen is { } last)
        {
            Seen(first, last);
        }
    }

    void Seen(DateTimeOffset first, DateTimeOffset last)
    {
        FirstSeen = FirstSeen is { } earlier && earlier < first ? earlier : first;
        LastSeen = LastSeen is { } later && later > last ? later : last;
    }

    /// <returns>The count that did not fit: 0 when the value is named.</returns>
    static long Tally(Dictionary<string, long> counts, string value, long count)
    {
        if (counts.TryGetValue(value, out var known))
        {
            counts[value] = known + count;
            return 0;
        }

        if (counts.Count < MaxDistinct)
        {
            counts[value] = count;
            return 0;
        }

        return count;
    }
}
