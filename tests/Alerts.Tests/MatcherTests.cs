using Alerts.Consumer.Admission;
using Alerts.Contracts;
using Alerts.Contracts.Silences;

namespace Alerts.Tests;

public sealed class When_a_silence_matches_alerts
{
    static readonly AdmittedAlert DatabaseDown = new(Guid.NewGuid(), RoutingKey.Parse("critical.db_down"), "database down", "db-1", null,
        new Dictionary<string, string> { ["team"] = "dba" });

    [Theory]
    [InlineData("alertname=db_down", true)] // no alertname label: the type answers to it
    [InlineData("alertname=\"db_down\"", true)]
    [InlineData("type!=db_down", false)]
    [InlineData("source=~\"db-.*\"", true)]
    [InlineData("source=~db", false)] // a regex matches the whole value, as in Alertmanager
    [InlineData("source!~\"web-.*\"", true)]
    [InlineData("team=dba", true)]
    [InlineData("missing=\"\"", true)]
    [InlineData("critical.*", true)]
    [InlineData("*.db_down", true)]
    [InlineData("warning.*", false)]
    [InlineData("critical.rate_limit", false)]
    public void Should_match_labels_as_alertmanager_does(string expression, bool matches)
    {
        Assert.True(Matcher.TryParse(expression, out var matchers, out var error), error);

        Assert.Equal(matches, new Silence(Guid.NewGuid(), matchers, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, "test", "test").Matches(DatabaseDown.Label));
    }

    [Theory]
    [InlineData("db_down", "is not a matcher")]
    [InlineData("source=~\"(\"", "is not a regular expression")]
    [InlineData("urgent.*", "is not info, warning or critical")]
    public void Should_name_what_is_wrong_with_a_bad_matcher(string expression, string problem)
    {
        Assert.False(Matcher.TryParse(expression, out _, out var error));

        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_mute_only_while_active()
    {
        var now = DateTimeOffset.UtcNow;
        var silence = new Silence(Guid.NewGuid(), [new Matcher("type", "db_down", IsRegex: false, IsEqual: true)], now, now.AddHours(2), "on-call", "maintenance");

        Assert.True(silence.IsActive(now.AddHours(1)));
        Assert.False(silence.IsActive(now.AddHours(2)));
        Assert.Equal("{type=\"db_down\"}", silence.ToString());
    }
}

public sealed class When_a_silence_is_expired
{
    [Fact]
    public void Should_expire_a_pending_silence_so_that_it_never_starts()
    {
        Assert.True(Matcher.TryParse("alertname=db", out var matchers, out _));
        var now = DateTimeOffset.UtcNow;
        var pending = new Silence(Guid.NewGuid(), matchers, now.AddHours(1), now.AddHours(2), "on-call", "tonight's maintenance");

        var expired = pending.ExpiredAt(now);

        Assert.Equal(SilenceState.Pending, pending.StateAt(now));
        Assert.Equal(SilenceState.Expired, expired.StateAt(now));
        Assert.True(expired.StartsAt <= expired.EndsAt);
        Assert.Equal(SilenceState.Expired, expired.StateAt(now.AddHours(1.5)));
    }
}
