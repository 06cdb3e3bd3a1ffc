using System.Diagnostics.Metrics;
using Alerts.Consumer.Admission;
using Alerts.Consumer.Aggregation;
using Alerts.Consumer.Mail;
using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;
using Alerts.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Alerts.Tests;

/// <summary>What every aggregation test builds from: a route, alerts, tallies of them, and a clock the test moves.</summary>
public abstract class AggregationTest
{
    protected FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-11-26T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    protected static GroupingOptions Grouping { get; } = new();

    protected static AdmittedAlert Alert(string text = "rate limit exceeded", string source = "api-1") =>
        new(Guid.NewGuid(), RoutingKey.Parse("critical.rate_limit"), text, source, null);

    protected AlertTally Tally(params AdmittedAlert[] alerts)
    {
        var tally = new AlertTally { Group = "{type=\"rate_limit\"}", First = WholeAlert.From(alerts[0]) };
        foreach (var alert in alerts)
        {
            tally.Add(alert, Time.GetUtcNow());
        }

        return tally;
    }
}

public sealed class When_a_group_remembers_alert_ids
{
    static readonly DateTimeOffset Noon = DateTimeOffset.Parse("2026-11-26T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Should_take_an_id_once_within_the_repeat_interval_and_anew_after_it()
    {
        var seen = new SeenAlertIds(new GroupingOptions());
        var id = Guid.NewGuid();

        Assert.True(seen.Remember(id, Noon));
        Assert.False(seen.Remember(id, Noon.AddHours(3)));
        Assert.True(seen.Remember(id, Noon.AddHours(4)));
    }

    [Fact]
    public void Should_forget_the_oldest_ids_beyond_its_bound_and_what_the_repeat_interval_left_behind()
    {
        var seen = new SeenAlertIds(new GroupingOptions { MaxRememberedIds = 100 });
        var ids = Enumerable.Range(0, 150).Select(_ => Guid.NewGuid()).ToList();

        Assert.All(ids, id => Assert.True(seen.Remember(id, Noon)));

        Assert.Equal(100, seen.Count);
        Assert.False(seen.Remember(ids[^1], Noon), "the newest id is remembered");
        Assert.True(seen.Remember(ids[0], Noon), "the oldest id was forgotten, so it counts again");
        seen.ForgetExpired(Noon.AddHours(4));
        Assert.Equal(0, seen.Count);
    }
}

public sealed class When_deliveries_are_held
{
    [Fact]
    public void Should_release_a_delivery_only_with_what_its_group_published()
    {
        var held = new HeldDeliveries();
        var first = held.Hold("a");
        var other = held.Hold("b");

        var taken = held.Take("a");
        Assert.False(first.IsCompleted);
        var meanwhile = held.Hold("a");
        held.Restore("a", taken); // the publish failed
        Assert.Equal(2, held.CountOf("a"));

        held.Release(held.Take("a"));
        Assert.True(first.IsCompletedSuccessfully && meanwhile.IsCompletedSuccessfully);
        Assert.False(other.IsCompleted);
        Assert.Equal(1, held.Count);
    }

    [Fact]
    public void Should_be_full_at_its_bound_per_group_and_in_all()
    {
        var held = new HeldDeliveries();
        for (var i = 0; i < HeldDeliveries.PerGroup - 1; i++)
        {
            held.Hold("a");
        }

        Assert.False(held.IsFull("a"));
        held.Hold("a");
        Assert.True(held.IsFull("a"));

        for (var group = 0; held.Count < HeldDeliveries.Max; group++)
        {
            held.Hold($"group {group}");
        }

        Assert.True(held.IsFull("another"));
    }
}

public sealed class When_a_group_gathers_alerts : AggregationTest
{
    [Fact]
    public void Should_be_due_a_group_wait_after_its_first_alert_then_a_group_interval_after_each_notification()
    {
        var group = new AggregationGroup("{type=\"rate_limit\"}", Grouping);
        var start = Time.GetUtcNow();

        Assert.Equal((1, 0), group.Add(Tally(Alert()), start));
        Assert.False(group.IsDue(start));
        Assert.True(group.IsDue(start + Grouping.GroupWait));

        var taken = group.Take();
        Assert.Equal(1, taken.Count);
        group.Add(Tally(Alert(), Alert()), start + TimeSpan.FromSeconds(1));
        group.Published(start + TimeSpan.FromSeconds(1), notified: true);
        Assert.False(group.IsDue(start + TimeSpan.FromSeconds(30)));
        Assert.True(group.IsDue(start + TimeSpan.FromSeconds(61)));
        Assert.Equal(2, group.Pending.Count);
    }

    [Fact]
    public void Should_count_an_alert_seen_again_once()
    {
        var group = new AggregationGroup("{type=\"rate_limit\"}", Grouping);
        var alert = Alert();

        group.Add(Tally(alert), Time.GetUtcNow());

        Assert.Equal((0, 2), group.Add(Tally(alert, alert), Time.GetUtcNow()));
        Assert.Equal(1, group.Pending.Count);
    }

    [Fact]
    public void Should_put_back_what_could_not_be_published_and_try_again_shortly()
    {
        var group = new AggregationGroup("{type=\"rate_limit\"}", Grouping);
        var now = Time.GetUtcNow() + TimeSpan.FromSeconds(1);
        group.Add(Tally(Alert()), Time.GetUtcNow());

        var taken = group.Take();
        group.Add(Tally(Alert()), now);
        group.Restore(taken, now);

        Assert.Equal(2, group.Pending.Count);
        Assert.False(group.IsDue(now));
        Assert.True(group.IsDue(now + AggregationGroup.RetryDelay));
    }
}

/// <summary>A route's aggregation on a clock the test moves, publishing to a digest queue the test holds.</summary>
public sealed class When_a_route_aggregates_its_groups : AggregationTest, IDisposable
{
    readonly List<object> _published = [];
    readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    Exception? _brokerFailure;

    public void Dispose() => _services.Dispose();

    RouteAggregation Aggregation()
    {
        var route = new Route("critical", new RouteOptions { Queue = "critical", To = ["ops@example.com"], Subject = "CRITICAL ALERT" },
            new RouteTopology("critical", ["critical.*"]));
        return new RouteAggregation(route, PublishAsync, new AlertMetrics(_services.GetRequiredService<IMeterFactory>(), Time), Time, NullLogger.Instance);
    }

    Task PublishAsync(object message, CancellationToken cancellationToken)
    {
        if (_brokerFailure is { } failure)
        {
            throw failure;
        }

        _published.Add(message);
        return Task.CompletedTask;
    }

    IEnumerable<Notification> Notifications => _published.OfType<Notification>();

    [Fact]
    public async Task Should_hold_a_tally_until_a_published_notification_accounts_for_it()
    {
        var aggregation = Aggregation();

        var first = aggregation.AddAsync(Tally(Alert()), default);
        await aggregation.PublishDueAsync(default);
        Assert.Empty(_published);
        Assert.False(first.IsCompleted, "a tally is acknowledged only once a notification accounts for it");

        Time.Advance(Grouping.GroupWait);
        await aggregation.PublishDueAsync(default);
        await first;
        var notification = Assert.Single(Notifications);
        Assert.Equal(1, notification.Summary.Count);
        Assert.Equal("{type=\"rate_limit\"}", notification.Group);

        var later = aggregation.AddAsync(Tally(Alert(), Alert(), Alert()), default);
        Time.Advance(TimeSpan.FromSeconds(30));
        await aggregation.PublishDueAsync(default);
        Assert.Single(Notifications);
        Time.Advance(TimeSpan.FromSeconds(30));
        await aggregation.PublishDueAsync(default);
        await later;
        Assert.Equal([1L, 3L], Notifications.Select(published => published.Summary.Count));

        Time.Advance(TimeSpan.FromMinutes(5)); // a quiet group sends nothing
        await aggregation.PublishDueAsync(default);
        Assert.Equal(2, Notifications.Count());
    }

    [Fact]
    public async Task Should_acknowledge_a_tally_of_alerts_it_holds_already_at_once()
    {
        var aggregation = Aggregation();
        var alert = Alert();

        var first = aggregation.AddAsync(Tally(alert), default);
        var again = aggregation.AddAsync(Tally(alert, alert), default);

        Assert.True(again.IsCompletedSuccessfully);
        Assert.False(first.IsCompleted);
    }

    [Fact]
    public async Task Should_keep_holding_what_the_broker_did_not_confirm_and_publish_it_later()
    {
        var aggregation = Aggregation();
        var tally = aggregation.AddAsync(Tally(Alert()), default);
        _brokerFailure = new IOException("the broker is away");

        Time.Advance(Grouping.GroupWait);
        await aggregation.PublishDueAsync(default);
        Assert.False(tally.IsCompleted, "nothing durable accounts for the alert yet");

        _brokerFailure = null;
        Time.Advance(AggregationGroup.RetryDelay);
        await aggregation.PublishDueAsync(default);
        await tally;
        Assert.Equal(1, Assert.Single(Notifications).Summary.Count);
    }

    [Fact]
    public async Task Should_carry_over_what_a_group_holds_while_it_waits_for_its_interval()
    {
        var aggregation = Aggregation();
        var first = aggregation.AddAsync(Tally(Alert()), default);
        Time.Advance(TimeSpan.FromSeconds(1));
        await aggregation.PublishDueAsync(default);
        await first;

        var held = Enumerable.Range(0, HeldDeliveries.PerGroup).Select(_ => aggregation.AddAsync(Tally(Alert(), Alert()), default)).ToList();
        await Task.WhenAll(held);

        var carried = Assert.Single(_published.OfType<AlertTally>());
        Assert.Equal(2 * HeldDeliveries.PerGroup, carried.Carried!.Count);
        Assert.Empty(carried.Alerts);
        Assert.Single(Notifications); // carried over, not notified: the group's interval has not passed
    }
}

public sealed class When_a_storm_becomes_a_digest : AggregationTest
{
    [Fact]
    public void Should_keep_a_digest_of_any_storm_under_64_KB()
    {
        var summary = new GroupSummary();
        for (var i = 0; i < 10_000; i++)
        {
            var tally = Tally(Alert(text: $"{new string('x', 2000)} {i}", source: $"host-{i}"));
            summary.Add(tally, 0);
        }

        var route = new RouteOptions { Queue = "critical", To = ["ops@example.com"], Subject = "CRITICAL ALERT" };
        var mail = DigestMail.Create(
            "{source=\"host\"}", summary, "critical", new RouteMailHeaders(route, MimeKit.MailboxAddress.Parse("alerts@example.com")), DateTimeOffset.UtcNow);
        using var size = new MemoryStream();
        mail.WriteTo(size);

        Assert.InRange(size.Length, 1, 64 * 1024);
        Assert.Equal("10000", mail.Headers["X-Alert-Count"]);
        Assert.Contains("9,980 × (others)", mail.TextBody, StringComparison.Ordinal);
    }
}
