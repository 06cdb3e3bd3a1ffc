using System.Text;
using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

/// <summary>Several alerts of one routing key as one message (a JSON array), published by any client, as the front door does.</summary>
[Collection(UsesBroker.Name)]
public sealed class When_a_client_publishes_several_alerts_as_one_message(Broker broker)
{
    const string Operations = "ops@example.com";

    // Each alert from a source of its own, so that a grouping route would count each in a group of its own, unless one is given.
    static string Batch(IEnumerable<Guid> ids, string? source = null) =>
        "[" + string.Join(",", ids.Select(id => $$"""{"id":"{{id}}","text":"disk full","source":"{{source ?? id.ToString()}}"}""")) + "]";

    [Fact]
    public async Task Should_mail_each_alert_alone_on_every_route_and_park_only_the_invalid_one()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical", "rate_limit");
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        var invalid = Guid.NewGuid();

        await routes.Broker.PublishAsync("critical.rate_limit",
            Batch(ids).Insert(1, $$"""{"id":"{{invalid}}","text":"","source":"nothing to say"},"""));

        var mails = await routes.Sink.WaitForAsync(2 * ids.Count, TimeSpan.FromSeconds(30));
        foreach (var team in new[] { Operations, "api@example.com" })
        {
            var teamMails = mails.Where(mail => mail.To.Mailboxes.Single().Address == team).ToList();
            Assert.Equal(ids.Select(id => id.ToString()).Order(), teamMails.Select(mail => mail.Headers["X-Alert-Id"]).Order());
            Assert.All(teamMails, mail => Assert.Equal("critical.rate_limit", mail.Headers["X-Alert-Routing-Key"]));
            Assert.All(teamMails, mail => Assert.Equal("1", mail.Headers["X-Alert-Count"]));
        }

        foreach (var errorQueue in new[] { "critical_error", "rate_limit_error" })
        {
            await routes.Broker.WaitForMessagesAsync(errorQueue, 1);
            var parked = Assert.Single(await routes.Broker.DrainAsync(errorQueue));
            var body = Encoding.UTF8.GetString(parked.Body.Span);
            Assert.StartsWith("{", body, StringComparison.Ordinal); // the invalid alert alone, which replay can take back
            Assert.Contains(invalid.ToString(), body, StringComparison.Ordinal);
            Assert.Equal("critical.rate_limit", parked.RoutingKey);
        }

        await routes.Broker.WaitUntilSettledAsync("critical", "rate_limit");
        Assert.Equal(2 * ids.Count, routes.Sink.Accepted.Count);
    }

    [Fact]
    public async Task Should_park_a_batch_it_cannot_read_whole_and_send_none_of_it()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical");
        const string Unreadable = """[{"text":"one"},{"severity":"urgent","text":"two"}]""";

        await routes.Broker.PublishAsync("critical.db", Unreadable);
        await routes.Broker.PublishAsync("critical.db", "\"the next alert\"");

        var mail = Assert.Single(await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Contains("the next alert", mail.TextBody, StringComparison.Ordinal);
        await routes.Broker.WaitForMessagesAsync("critical_error", 1);
        var parked = Assert.Single(await routes.Broker.DrainAsync("critical_error"));
        Assert.Equal(Unreadable, Encoding.UTF8.GetString(parked.Body.Span));
        Assert.Contains("urgent", Encoding.UTF8.GetString((byte[])parked.BasicProperties.Headers!["MT-Fault-Message"]!), StringComparison.Ordinal);
        await routes.Broker.WaitUntilSettledAsync("critical");
        Assert.Single(routes.Sink.Accepted);
    }

    [Fact]
    public async Task Should_fold_a_batch_into_the_group_of_its_alerts_on_a_grouping_route()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical", Service.Grouping);
        var ids = Enumerable.Range(0, 100).Select(_ => Guid.NewGuid()).ToList();

        // One source, so one group: the first batch opens it and the second is counted into the same digest or the next.
        await routes.Broker.PublishAsync("critical.db", Batch(ids[..50], "db-1"));
        await routes.Broker.PublishAsync("critical.db", Batch(ids[50..], "db-1"));

        await Eventually.HoldsAsync(() => Task.FromResult(routes.Sink.AccountedFor(Operations).Alerts == ids.Count), TimeSpan.FromSeconds(30),
            "every alert of both batches to be accounted for in the group's mails");
        var (mails, _) = routes.Sink.AccountedFor(Operations);
        Assert.InRange(mails, 1, 2);
        Assert.Empty(await routes.Broker.DrainAsync("critical_error"));
    }
}
