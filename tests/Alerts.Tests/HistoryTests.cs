using System.Diagnostics.Metrics;
using Alerts.Consumer.Admission;
using Alerts.Consumer.History;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;
using Alerts.Contracts;
using Alerts.Contracts.History;
using Alerts.Contracts.Silences;
using Alerts.Producer.FrontDoor;
using Alerts.Producer.History;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Alerts.Tests;

/// <summary>What the consumers record of each alert, and what the front door makes of the record: what fires, and what happened.</summary>
public sealed class When_the_history_is_recorded_and_read : IDisposable
{
    readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    readonly HistoryRecorder _recorder;
    readonly AlertBoard _board;
    long _offset;

    public When_the_history_is_recorded_and_read()
    {
        _recorder = new HistoryRecorder(_time, new AlertMetrics(_services.GetRequiredService<IMeterFactory>(), _time));
        _board = new AlertBoard(Options.Create(new HistoryOptions { ResolveTimeout = TimeSpan.FromMinutes(5) }), _time);
    }

    public void Dispose() => _services.Dispose();

    static readonly Route Critical = new("critical",
        new RouteOptions { Queue = "critical", To = ["ops@example.com"], Grouping = new GroupingOptions { By = ["severity", "type"] } },
        new RouteTopology("critical", ["critical.*"]));

    static AdmittedAlert Alert(string type = "db_down", string source = "db-1", string text = "database down", bool resolved = false) =>
        AdmittedAlert.From(new Alert { Text = text, Source = source, Resolved = resolved }, $"critical.{type}", null, 1000, ["severity", "type"]);

    List<AlertEvent> Recorded()
    {
        var events = new List<AlertEvent>();
        while (_recorder.Events.TryRead(out var recorded))
        {
            events.Add(recorded);
        }

        return events;
    }

    // As the consumers write them: what one consumer recorded together, in one message of the stream.
    void Read(IEnumerable<AlertEvent> events) => _board.Apply(_offset++, [.. events]);

    List<BoardAlert> Firing() => _board.Firing((alert, _) => alert);

    [Fact]
    public void Should_end_an_acknowledgement_once_no_alert_of_its_group_fires_and_leave_other_silences_alone()
    {
        _recorder.Admitted(Critical, Alert(), mutedBy: null);
        Read(Recorded());
        var now = _time.GetUtcNow();
        IReadOnlyList<Matcher> group = [new("severity", "critical", IsRegex: false), new("type", "db_down", IsRegex: false)];
        var acknowledged = new Silence(Guid.NewGuid(), group, now, now.AddDays(1), "Ann", "ACK! on it");
        var silenced = new Silence(Guid.NewGuid(), group, now, now.AddDays(1), "Bob", "maintenance");
        Silence[] silences = [acknowledged, silenced];

        Assert.Empty(Acknowledgements.Resolved(_board, silences, now.AddMinutes(1))); // the group still fires
        _recorder.Admitted(Critical, Alert(resolved: true), mutedBy: null);
        Read(Recorded());
        Assert.Empty(Acknowledgements.Resolved(_board, silences, now.AddSeconds(5))); // just made: another replica may not have read the group yet
        Assert.Equal([acknowledged], Acknowledgements.Resolved(_board, silences, now.AddMinutes(1)));
    }

    [Fact]
    public void Should_record_a_storm_of_one_alert_as_a_few_events_that_count_every_copy()
    {
        for (var copy = 0; copy < 10_000; copy++)
        {
            _recorder.Admitted(Critical, Alert(text: $"database down ({copy})"), mutedBy: null);
        }

        var first = Assert.Single(Recorded());
        Assert.Equal((AlertEventKinds.Received, 1L, "database down (0)"), (first.Kind, first.Count, first.Text));
        Assert.Equal(new Dictionary<string, string> { ["alertname"] = "db_down", ["severity"] = "critical", ["instance"] = "db-1" }, first.Labels);
        Assert.Equal(new Dictionary<string, string> { ["severity"] = "critical", ["type"] = "db_down" }, first.Group);

        _recorder.FlushResends();
        Assert.Empty(Recorded()); // within the window: still counting
        _time.Advance(HistoryRecorder.ResendWindow);
        _recorder.FlushResends();
        var resends = Assert.Single(Recorded());
        Assert.Equal((AlertEventKinds.Received, 9_999L, "database down (9999)"), (resends.Kind, resends.Count, resends.Text));
    }

    [Fact]
    public void Should_write_each_resend_of_an_alert_whose_said_end_comes_before_its_count_would_be_written()
    {
        for (var copy = 0; copy < 3; copy++)
        {
            var prometheus = Alert() with { EndsAt = _time.GetUtcNow().AddSeconds(4) };
            _recorder.Admitted(Critical, prometheus, mutedBy: null);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(3, Recorded().Count); // so the front door never lets it stop between two re-sends
    }

    [Fact]
    public void Should_record_a_resolution_and_a_silenced_alert_at_once_with_the_silence()
    {
        var silence = Guid.NewGuid();
        _recorder.Admitted(Critical, Alert(), mutedBy: null);
        _recorder.Admitted(Critical, Alert(), mutedBy: silence);
        _recorder.Admitted(Critical, Alert(resolved: true), mutedBy: null);
        _recorder.Admitted(Critical, Alert(resolved: true), mutedBy: null);

        var events = Recorded();
        Assert.Equal([AlertEventKinds.Received, AlertEventKinds.Silenced, AlertEventKinds.Resolved, AlertEventKinds.Resolved], events.Select(e => e.Kind));
        Assert.Equal([silence], events[1].SilencedBy!);
    }

    [Fact]
    public void Should_tell_a_first_sighting_from_a_resend_and_stop_firing_after_the_resolve_timeout()
    {
        _recorder.Admitted(Critical, Alert(), mutedBy: null);
        Read(Recorded());
        var alert = Assert.Single(Firing());
        Assert.Equal(["critical"], alert.Routes.Keys);

        _time.Advance(TimeSpan.FromMinutes(4));
        _recorder.Admitted(Critical, Alert(text: "still down"), mutedBy: null);
        Read(Recorded());
        Assert.Equal("still down", Assert.Single(Firing()).Text);
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Single(Firing()); // last seen 4 minutes ago, within the 5 of the resolve timeout
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(Firing());

        var history = _board.History(_ => true, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 10);
        Assert.Equal([AlertEventKinds.Resent, AlertEventKinds.Fired], history.Select(entry => entry.Kind));
    }

    [Fact]
    public void Should_fire_until_the_end_an_alert_says_and_stop_at_its_resolution()
    {
        var prometheus = new AlertEvent(AlertEventKinds.Received, _time.GetUtcNow(), "critical", "f1", new Dictionary<string, string> { ["alertname"] = "HighRate" },
            EndsAt: _time.GetUtcNow().AddMinutes(30), RoutingKey: "critical.high_rate");
        Read([prometheus, prometheus with { Route = "rate_limit" }]);
        _time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(["critical", "rate_limit"], Assert.Single(Firing()).Routes.Keys.Order());

        Read([prometheus with { Kind = AlertEventKinds.Resolved, At = _time.GetUtcNow() }]);
        Assert.Equal(["rate_limit"], Assert.Single(Firing()).Routes.Keys); // still firing where that route's consumer has not seen the end
        Read([prometheus with { Kind = AlertEventKinds.Resolved, At = _time.GetUtcNow(), Route = "rate_limit" }]);
        Assert.Empty(Firing());
    }

    [Fact]
    public void Should_apply_an_event_read_again_after_a_reconnect_once()
    {
        var fired = new AlertEvent(AlertEventKinds.Received, _time.GetUtcNow(), "critical", "f1", new Dictionary<string, string>(), Count: 5);
        Assert.True(_board.Apply(7, fired));
        Assert.False(_board.Apply(7, fired));
        Assert.False(_board.Apply(3, fired));
        Assert.Equal(5, Assert.Single(Firing()).Received);
        Assert.Equal(8, _board.NextOffset);
    }

    [Fact]
    public void Should_apply_every_event_of_a_message_in_order_and_a_message_read_again_once()
    {
        var at = _time.GetUtcNow();
        AlertEvent[] message =
        [
            new(AlertEventKinds.Received, at, "critical", "f1", new Dictionary<string, string>(), Count: 2),
            new(AlertEventKinds.Received, at, "critical", "f2", new Dictionary<string, string>(), Count: 1),
            new(AlertEventKinds.Received, at, "critical", "f1", new Dictionary<string, string>(), Count: 3),
        ];

        Assert.True(_board.Apply(4, message));
        Assert.False(_board.Apply(4, message));

        Assert.Equal([("f1", 5L), ("f2", 1L)], Firing().Select(alert => (alert.Fingerprint, alert.Received)).Order());
        Assert.Equal(["fired", "fired", "resent"], _board.History(_ => true, at.AddMinutes(-1), at.AddMinutes(1), 10).Select(entry => entry.Kind).Reverse());
        Assert.Equal(5, _board.NextOffset);
    }

    [Fact]
    public void Should_find_the_newest_events_of_one_alertname_within_the_times_asked_and_no_more_than_the_limit()
    {
        for (var minute = 0; minute < 120; minute++)
        {
            var type = minute % 2 == 0 ? "db_down" : "disk_full";
            _recorder.Admitted(Critical, Alert(type, source: $"db-{minute}"), mutedBy: null);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        Read(Recorded());
        var now = _time.GetUtcNow();
        var found = _board.History(entry => entry.Shown("alertname") == "disk_full", now.AddHours(-1), now, limit: 10);

        Assert.Equal(10, found.Count);
        Assert.All(found, entry => Assert.Equal("disk_full", entry.Labels["alertname"]));
        Assert.Equal(found.OrderByDescending(entry => entry.At), found);
        Assert.Equal("db-119", found[0].Labels["instance"]);
        Assert.Equal(30, _board.History(entry => entry.Shown("type") == "disk_full", now.AddHours(-1), now, limit: 100).Count);
    }

    [Theory]
    [InlineData("filter=alertname%3D%22db_down%22&filter=instance%3D~%22db-.*%22", 2, null)]
    [InlineData("filter=%7Balertname%3D%22db_down%22%2Cinstance!%3D%22db-1%22%7D", 2, null)]
    [InlineData("filter=alertname", 0, "filter: 'alertname' is not a matcher")]
    [InlineData("filter=alertname%3D~%22(%22", 0, "filter: '(' is not a regular expression")]
    [InlineData("silenced=maybe", 0, "silenced: 'maybe' is not true or false")]
    [InlineData("receiver=%5B", 0, "receiver: '[' is not a regular expression")]
    public void Should_read_alertmanagers_query_or_name_what_is_wrong(string query, int matchers, string? error)
    {
        var parsed = AlertFilter.TryParse(new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query)), out var filter, out var problem);

        Assert.Equal(error is null, parsed);
        if (error is null)
        {
            Assert.Equal(matchers, filter!.Matchers.Count);
        }
        else
        {
            Assert.StartsWith(error, problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_render_the_routes_as_alertmanager_configuration_without_a_webhooks_secret()
    {
        var route = new RouteAnnouncement("critical", ["critical.*", "*.db_down"], ["severity", "type"], true, ["ops@example.com"], "alerts@example.com",
            "smtp.example.com:587", [new AnnouncedWebhook("alertmanager", "https://relay.example.com", 20), new AnnouncedWebhook("slack", "https://hooks.slack.com", 20)],
            true, TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(1), TimeSpan.FromHours(4), _time.GetUtcNow());

        var yaml = AlertmanagerConfig.Render([route], TimeSpan.FromMinutes(5));

        Assert.Contains("resolve_timeout: 5m", yaml, StringComparison.Ordinal);
        Assert.Contains("- receiver: 'critical'\n    matchers: ['severity=\"critical\"']", yaml, StringComparison.Ordinal);
        Assert.Contains("matchers: ['type=\"db_down\"']", yaml, StringComparison.Ordinal);
        Assert.Contains("group_wait: 500ms", yaml, StringComparison.Ordinal);
        Assert.Contains("url: 'https://relay.example.com/'", yaml, StringComparison.Ordinal);
        Assert.Contains("api_url: <secret>", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("hooks.slack.com", yaml, StringComparison.Ordinal);
    }
}
