using Alerts.Consumer.Admission;
using Alerts.Consumer.Aggregation;
using Alerts.Consumer.Notifications;
using Alerts.Contracts;
using Alerts.Tests.Support;
using Alerts.TestSupport;
using MailKit.Net.Smtp;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using SmtpServer.Protocol;

namespace Alerts.Tests;

/// <summary>A group's notification on the route's digest queue, sent and retried as one alert is, and parked the same way.</summary>
public sealed class When_a_digest_is_notified : IAsyncLifetime
{
    const string Group = "{severity=\"critical\", type=\"rate_limit\", source=\"api-gateway\"}";

    SmtpSink _sink = null!;

    public async Task InitializeAsync() => _sink = await SmtpSink.StartAsync();

    public async Task DisposeAsync() => await _sink.DisposeAsync();

    static Notification Digest(int alerts)
    {
        var tally = new AlertTally { Group = Group };
        for (var i = 0; i < alerts; i++)
        {
            tally.Add(new AdmittedAlert(Guid.NewGuid(), RoutingKey.Parse("critical.rate_limit"), $"Hacker at {i}0k req/s", "api-gateway", null),
                DateTimeOffset.UtcNow);
        }

        var summary = new GroupSummary();
        for (var index = 0; index < tally.Alerts.Count; index++)
        {
            summary.Add(tally, index);
        }

        return new Notification(Group, summary);
    }

    [Fact]
    public async Task Should_mail_the_digest_with_the_count_of_its_alerts()
    {
        await using var provider = await ConsumerHarness.StartAsync(_sink);
        var harness = provider.GetRequiredService<ITestHarness>();

        await harness.SendToCriticalDigestsAsync(Digest(5));

        var mail = Assert.Single(await _sink.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal("5", mail.Headers["X-Alert-Count"]);
        Assert.Equal(Group, mail.Headers["X-Alert-Group"]);
        Assert.Equal("CRITICAL ALERT (5 alerts)", mail.Subject);
    }

    [Fact]
    public async Task Should_retry_a_transient_refusal_then_park_the_digest_in_the_digest_error_queue()
    {
        _sink.RefuseWith = (SmtpReplyCode)451;
        await using var provider = await ConsumerHarness.StartAsync(_sink);

        await provider.GetRequiredService<ITestHarness>().SendToCriticalDigestsAsync(Digest(5));

        var parked = await provider.GetRequiredService<ErrorQueues>().WaitForOneAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("critical.digest_error", parked.Queue);
        Assert.Equal(5, ((Notification)parked.Message).Summary.Count);
        Assert.Contains("refused by the test", parked.Reason, StringComparison.Ordinal);
        Assert.Equal(3, _sink.Refused); // the first attempt and Alerts:Retry:Limit = 2 retries, as for one alert
    }

    [Fact]
    public async Task Should_park_a_digest_refused_for_good_at_once()
    {
        _sink.RefuseWith = SmtpReplyCode.TransactionFailed;
        await using var provider = await ConsumerHarness.StartAsync(_sink);

        await provider.GetRequiredService<ITestHarness>().SendToCriticalDigestsAsync(Digest(5));

        var parked = await provider.GetRequiredService<ErrorQueues>().WaitForOneAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(typeof(SmtpCommandException).FullName, parked.ExceptionType);
        Assert.Equal(1, _sink.Refused);
    }

    [Fact]
    public async Task Should_take_tallies_and_notifications_from_one_queue_each_with_its_own_consumer()
    {
        await using var provider = await ConsumerHarness.StartAsync(_sink);
        var harness = provider.GetRequiredService<ITestHarness>();
        var endpoint = await harness.Bus.GetSendEndpoint(new Uri("queue:critical.digest"));
        var tally = new AlertTally { Group = Group, First = null };
        tally.Add(new AdmittedAlert(Guid.NewGuid(), RoutingKey.Parse("critical.rate_limit"), "Hacker at 10k req/s", "api-gateway", null), DateTimeOffset.UtcNow);

        await endpoint.Send(tally);
        var aggregation = await EventuallyAsync(() => provider.GetRequiredService<RouteAggregations>().All.SingleOrDefault(route => route.GroupCount == 1));
        // What the scheduler does ten times a second, until the group's wait is over and its notification is mailed.
        while (_sink.AcceptedCount == 0 && !harness.CancellationToken.IsCancellationRequested)
        {
            await aggregation.PublishDueAsync(default);
            await Task.Delay(100);
        }

        var mail = Assert.Single(await _sink.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal("1", mail.Headers["X-Alert-Count"]);
        Assert.True(await harness.GetConsumerHarness<TallyConsumer>().Consumed.Any<AlertTally>());
        Assert.True(await harness.GetConsumerHarness<NotificationConsumer>().Consumed.Any<Notification>());
        Assert.False(await harness.GetConsumerHarness<NotificationConsumer>().Consumed.Any<AlertTally>());
        Assert.Empty(provider.GetRequiredService<ErrorQueues>().All);
    }

    static async Task<T> EventuallyAsync<T>(Func<T?> probe)
        where T : class
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            if (probe() is { } found)
            {
                return found;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("not within 5 s");
    }
}
