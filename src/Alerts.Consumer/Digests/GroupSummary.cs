namespace Alerts.Consumer.Digests;

/// <summary>
/// What a group's next mail says: how many alerts, their distinct texts, sources and routing keys with counts, and
/// first and last seen. Bounded whatever the count: at most <see cref="MaxDistinct"/> texts, sources and keys are
/// named, the rest summed, so a digest for a storm of any size stays a few kilobytes.
/// </summary>
public sealed class GroupSummary
{
    public const int MaxDistinct = 20;

    /// <summary>Longer texts are cut in a digest; an alert mailed alone keeps its whole text.</summary>
    public const int MaxTextLength = 300;

    public long Count { get; set; }

    public Dictionary<string, long> Texts { get; set; } = [];

    public long OtherTexts { get; set; }

    public Dictionary<string, long> Sources { get; set; } = [];

    public long OtherSources { get; set; }

    public Dictionary<string, long> RoutingKeys { get; set; } = [];

    public long OtherRoutingKeys { get; set; }

    public DateTimeOffset? FirstSeen { get; set; }

    public DateTimeOffset? LastSeen { get; set; }

    /// <summary>The group's first alert, whole: a mail that accounts for one alert reads as that alert's own mail.</summary>
    public TalliedAlert? First { get; set; }

    public void Add(TalliedAlert alert)
    {
        First ??= alert;
        Count++;
        OtherTexts += Tally(Texts, alert.Text.Length <= MaxTextLength ? alert.Text : alert.Text[..MaxTextLength] + "…", 1);
        OtherSources += Tally(Sources, alert.Source ?? "(not given)", 1);
        OtherRoutingKeys += Tally(RoutingKeys, alert.RoutingKey, 1);
        Seen(alert.SeenAt, alert.SeenAt);
    }

    public void Add(GroupSummary other)
    {
        First ??= other.First;
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
