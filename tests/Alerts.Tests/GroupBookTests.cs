using Alerts.Consumer.Consumers;
using Alerts.Consumer.Digests;
using Alerts.Consumer.Mail;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;
using Alerts.Contracts;
using Alerts.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Alerts.Tests;

/// <summary>The group book against a real SMTP sink, on a clock the test moves: group wait, group interval, repeat interval, bounds.</summary>
public sealed class When_a_route_groups_alerts : IAsyncLifetime
{
    readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-26T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    readonly List<AlertTally> _carried = [];
    SmtpSink _sink = null!;
    ServiceProvider _services = null!;
    AlertMailer _mailer = null!;

    public async Task InitializeAsync()
    {
        _sink = await SmtpSink.StartAsync();
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _mailer = new AlertMailer(Options.Create(new SmtpOptions { Host = "127.0.0.1", Port = _sink.Port, Security = MailKit.Security.SecureSocketOptions.None, From = "alerts@example.com" }), _time);
    }

    public async Task DisposeAsync()
    {
        await _mailer.DisposeAsync();
        await _services.DisposeAsync();
        await _sink.DisposeAsync();
    }

    [Fact]
    public async Task Should_mail_a_new_group_after_the_group_wait_and_what_follows_once_per_group_interval()
    {
        var book = Book();

        var first = book.AddAsync(Tally(Alert()), CarryAsync, default);
        await book.MailDueAsync(default);
        Assert.Equal(0, _sink.AcceptedCount);
        Assert.False(first.IsCompleted, "a tally is acknowledged only once a mail accounts for it");

        _time.Advance(TimeSpan.FromMilliseconds(500));
        await book.MailDueAsync(default);
        await first;
        Assert.Equal("1", Assert.Single(_sink.Accepted).Headers["X-Alert-Count"]);

        _time.Advance(TimeSpan.FromSeconds(1));
        var later = book.AddAsync(Tally(Alert(), Alert(), Alert()), CarryAsync, default);
        _time.Advance(TimeSpan.FromSeconds(30));
        await book.MailDueAsync(default);
        Assert.Equal(1, _sink.AcceptedCount);

        _time.Advance(TimeSpan.FromSeconds(30));
        await book.MailDueAsync(default);
        await later;
        Assert.Equal("3", _sink.Accepted.Last().Headers["X-Alert-Count"]);

        _time.Advance(TimeSpan.FromMinutes(5)); // a quiet group sends nothing
        await book.MailDueAsync(default);
        Assert.Equal(2, _sink.AcceptedCount);
    }

    [Fact]
    public async Task Should_count_an_id_seen_within_the_repeat_interval_once_and_anew_after_it()
    {
        var book = Book();
        var alert = Alert();

        var first = book.AddAsync(Tally(alert), CarryAsync, default);
        var again = book.AddAsync(Tally(alert, alert), CarryAsync, default);
        Assert.True(again.IsCompletedSuccessfully, "a tally of alerts the group already holds is acknowledged at once");
        _time.Advance(TimeSpan.FromSeconds(1));
        await book.MailDueAsync(default);
        await first;

        _time.Advance(TimeSpan.FromHours(4));
        var repeated = book.AddAsync(Tally(alert), CarryAsync, default);
        _time.Advance(TimeSpan.FromSeconds(1));
        await book.MailDueAsync(default);
        await repeated;

        Assert.Equal(["1", "1"], _sink.Accepted.Select(mail => mail.Headers["X-Alert-Count"]));
    }

    [Fact]
    public async Task Should_forget_the_oldest_ids_beyond_its_bound()
    {
        var book = Book(grouping => grouping.MaxRememberedIds = 100);
        var alerts = Enumerable.Range(0, 150).Select(_ => Alert()).ToList();

        var storm = book.AddAsync(Tally([.. alerts]), CarryAsync, default);
        Assert.True(book.AddAsync(Tally(alerts[^1]), CarryAsync, default).IsCompletedSuccessfully, "the newest id is remembered");
        var forgotten = book.AddAsync(Tally(alerts[0]), CarryAsync, default);
        Assert.False(forgotten.IsCompleted, "the oldest id was forgotten, so it counts again");
        _time.Advance(TimeSpan.FromSeconds(1));
        await book.MailDueAsync(default);
        await Task.WhenAll(storm, forgotten);

        Assert.Equal("151", Assert.Single(_sink.Accepted).Headers["X-Alert-Count"]);
    }

    [Fact]
    public async Task Should_carry_over_what_a_group_holds_while_it_waits_for_its_interval()
    {
        var book = Book();
        var first = book.AddAsync(Tally(Alert()), CarryAsync, default);
        _time.Advance(TimeSpan.FromSeconds(1));
        await book.MailDueAsync(default);
        await first;

        var held = Enumerable.Range(0, GroupBook.HeldPerGroup).Select(_ => book.AddAsync(Tally(Alert(), Alert()), CarryAsync, default)).ToList();
        await Task.WhenAll(held);

        var carried = Assert.Single(_carried);
        Assert.Equal(2 * GroupBook.HeldPerGroup, carried.Carried!.Count);
        Assert.Empty(carried.Alerts);
        Assert.Equal(1, _sink.AcceptedCount); // carried over, not mailed: the group's interval has not passed
    }

    [Fact]
    public void Should_keep_a_digest_of_any_storm_under_64_KB()
    {
        var summary = new GroupSummary();
        for (var i = 0; i < 10_000; i++)
        {
            var tally = Tally(Alert(text: $"{new string('x', 2000)} {i}", source: $"host-{i}"));
            summary.Add(tally, tally.Alerts[0]);
        }

        var mail = DigestMail.Create("{source=\"host\"}", summary, "critical", Route(), MimeKit.MailboxAddress.Parse("alerts@example.com"));
        using var size = new MemoryStream();
        mail.WriteTo(size);

        Assert.InRange(size.Length, 1, 64 * 1024);
        Assert.Equal("10000", mail.Headers["X-Alert-Count"]);
        Assert.Contains("9,980 × (others)", mail.TextBody, StringComparison.Ordinal);
    }

    GroupBook Book(Action<GroupingOptions>? configure = null)
    {
        var route = Route();
        configure?.Invoke(route.Grouping);
        return new GroupBook("critical", route, new RetryOptions(), _mailer,
            new AlertMetrics(_services.GetRequiredService<IMeterFactory>(), _time), _time, NullLogger.Instance);
    }

    static RouteOptions Route() => new() { Queue = "critical", To = ["ops@example.com"], Subject = "CRITICAL ALERT" };

    Task CarryAsync(AlertTally tally)
    {
        _carried.Add(tally);
        return Task.CompletedTask;
    }

    static RoutedAlert Alert(string text = "rate limit exceeded", string source = "api-1") =>
        new(Guid.NewGuid(), RoutingKey.Parse("critical.rate_limit"), text, source, null);

    AlertTally Tally(params RoutedAlert[] alerts)
    {
        var tally = new AlertTally { Group = "{type=\"rate_limit\"}", First = WholeAlert.From(alerts[0]) };
        foreach (var alert in alerts)
        {
            tally.Add(alert, _time.GetUtcNow());
        }

        return tally;
    }
}
