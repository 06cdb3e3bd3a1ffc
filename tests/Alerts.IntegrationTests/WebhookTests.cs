using Alerts.IntegrationTests.Support;
using Alerts.TestSupport;

namespace Alerts.IntegrationTests;

/// <summary>Webhooks on a real broker: a real webhook consumer (an IRC relay), and a refusal parked and replayed.</summary>
[Collection(UsesBroker.Name)]
public sealed class When_a_route_posts_to_a_webhook(Broker broker)
{
    [Fact]
    public async Task Should_say_an_alert_from_the_books_python_client_in_the_irc_channel_through_alertmanager_irc_relay()
    {
        await using var irc = await IrcRelay.StartAsync();
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical", [.. Service.Grouping, ("Alerts__Routes__critical__Webhooks__0__Url", irc.WebhookUrl)]);

        await BookClient.PublishAsync(routes.Broker, "critical.mywebapp", "Hacker at 10k req/s");

        await Eventually.HoldsAsync(
            () => Task.FromResult(irc.Said.Any(line => line.Contains("PRIVMSG #alerts :Alert mywebapp on", StringComparison.Ordinal)
                && line.EndsWith("is firing: Hacker at 10k req/s", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30), $"the alert in #alerts; the channel had:{Environment.NewLine}{irc}");
        Assert.Single(await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30))); // and the team's mail beside it
    }

    [Fact]
    public async Task Should_park_what_the_webhook_refuses_and_post_it_once_replayed_without_mailing_again()
    {
        await using var webhook = await WebhookSink.StartAsync();
        webhook.AnswerNext(400);
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical", ("Alerts__Routes__critical__Webhooks__0__Url", webhook.UrlOf("alerts")));

        await routes.Broker.PublishAsync("critical.db_down", """{"text":"database down","source":"db-1"}""");
        await routes.Broker.WaitForMessagesAsync("critical_error", 1);
        Assert.Single(await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal([400], webhook.Posts.Select(post => post.Status));

        await using var replay = await Service.ReplayAsync(routes.Broker.Settings, "critical");
        Assert.True(replay.ExitCode == 0, replay.ToString());
        await webhook.WaitForAsync(1, TimeSpan.FromSeconds(30));
        await routes.Broker.WaitUntilSettledAsync("critical", "critical_error");

        Assert.Equal([400, 200], webhook.Posts.Select(post => post.Status));
        Assert.Equal("db_down", (string?)webhook.Posts[^1].Json["alerts"]![0]!["labels"]!["alertname"]);
        Assert.Equal(1, routes.Sink.AcceptedCount); // the mail went out once, before the webhook's refusal
    }
}
