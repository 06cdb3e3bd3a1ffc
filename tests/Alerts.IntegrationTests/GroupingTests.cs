using System.Diagnostics;
using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

/// <summary>
/// The book's attacker at thousands of alerts a second, against the shipped grouping settings (group wait 0.5 s,
/// group interval 1 minute) and two consumer processes per route, as compose runs them.
/// </summary>
[Collection(UsesBroker.Name)]
public sealed class When_an_alert_storm_hits(Broker broker)
{
    const string Operations = "ops@example.com";
    const string ApiTeam = "api@example.com";
    const int Storm = 10_000;

    // Two mails per group: the first after the group wait, the rest after the group interval; a little more for a slow run.
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(100);

    [Fact]
    public async Task Should_mail_each_team_a_few_digests_that_account_for_every_alert_and_a_lone_critical_alert_at_once()
    {
        await using var routes = await StartTwoReplicasPerRouteAsync();
        var ids = NewIds(Storm);

        var storm = Stopwatch.StartNew();
        await routes.Broker.PublishManyAsync("critical.rate_limit", ids[..(Storm / 2)]);
        var databaseDown = Guid.NewGuid();
        var published = DateTimeOffset.UtcNow;
        await routes.Broker.PublishAsync("critical.db_down", $$"""{"id":"{{databaseDown}}","text":"database down","source":"db-1"}""");
        await routes.Broker.PublishManyAsync("critical.rate_limit", ids[(Storm / 2)..]);
        Assert.True(storm.Elapsed < TimeSpan.FromSeconds(10), $"the storm took {storm.Elapsed.TotalSeconds:0.0} s to publish, not under 10 s");

        await Eventually.HoldsAsync(() => Task.FromResult(routes.Sink.AcceptedAt.ContainsKey(databaseDown)), TimeSpan.FromSeconds(10), "the database alert to be mailed");
        var latency = routes.Sink.AcceptedAt[databaseDown] - published;
        await AccountedForAsync(routes, Operations, Storm + 1);
        await AccountedForAsync(routes, ApiTeam, Storm);
        await Task.Delay(TimeSpan.FromSeconds(2)); // nothing more comes

        var (opsMails, opsAlerts) = routes.Sink.AccountedFor(Operations);
        var (apiMails, apiAlerts) = routes.Sink.AccountedFor(ApiTeam);
        Console.WriteLine($"storm of {Storm} alerts: operations got {opsMails} mails for {opsAlerts} alerts, the API team {apiMails} for {apiAlerts}; "
            + $"the database alert took {latency.TotalMilliseconds:0} ms");
        Assert.Equal(Storm + 1, opsAlerts);
        Assert.Equal(Storm, apiAlerts);
        Assert.InRange(opsMails, 2, 5);
        Assert.InRange(apiMails, 1, 5);
        Assert.True(latency < TimeSpan.FromSeconds(2), $"the database alert took {latency.TotalSeconds:0.00} s in the storm, not under 2 s");
        var digest = routes.Sink.Accepted.First(mail => mail.Headers["X-Alert-Count"] is { } count && long.Parse(count, System.Globalization.CultureInfo.InvariantCulture) > 1);
        Assert.Contains("(others)", digest.TextBody, StringComparison.Ordinal);
        Assert.NotNull(digest.HtmlBody);
        Assert.Equal("{severity=\"critical\", type=\"rate_limit\", source=\"fault-test\"}", digest.Headers["X-Alert-Group"]);
        await routes.Broker.WaitUntilSettledAsync("critical", "rate_limit", "critical.digest", "rate_limit.digest");
    }

    [Fact]
    public async Task Should_lose_no_count_when_the_replica_that_mails_is_killed_mid_storm()
    {
        await using var routes = await StartTwoReplicasPerRouteAsync();
        var ids = NewIds(Storm);

        await routes.Broker.PublishManyAsync("critical.rate_limit", ids[..(Storm / 2)]);
        // The first replica to consume a digest queue is its single active consumer: it holds what waits for the next mail.
        await routes.Consumers[0].KillAsync();
        var publishing = routes.Broker.PublishManyAsync("critical.rate_limit", ids[(Storm / 2)..]);
        await routes.AddConsumerAsync("critical", Service.Grouping);
        await publishing;

        await AccountedForAsync(routes, ApiTeam, Storm);
        await AccountedForAsync(routes, Operations, Storm);
        await routes.Broker.WaitUntilSettledAsync("critical", "rate_limit", "critical.digest", "rate_limit.digest");
        await Task.Delay(TimeSpan.FromSeconds(2));

        var (opsMails, opsAlerts) = routes.Sink.AccountedFor(Operations);
        var (apiMails, apiAlerts) = routes.Sink.AccountedFor(ApiTeam);
        Console.WriteLine($"storm of {Storm} alerts, mailing replica killed half-way: operations got {opsMails} mails for {opsAlerts} alerts "
            + $"({opsAlerts - Storm} counted twice), the API team {apiMails} for {apiAlerts}");
        Assert.InRange(opsAlerts, Storm, 2 * Storm);
        Assert.Equal(Storm, apiAlerts);
        Assert.Empty(await routes.Broker.DrainAsync("critical_error"));
    }

    [Fact]
    public async Task Should_mail_an_alert_published_three_times_once()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical", Service.Grouping);
        var id = Guid.NewGuid();

        for (var copy = 0; copy < 3; copy++)
        {
            await routes.Broker.PublishAsync("critical.db_down", $$"""{"id":"{{id}}","text":"database down","source":"db-1"}""");
            await Task.Delay(TimeSpan.FromMilliseconds(700)); // the copies land in different batches and after the first mail
        }

        var mail = Assert.Single(await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        await routes.Broker.WaitUntilSettledAsync("critical", "critical.digest");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(routes.Sink.Accepted);
        Assert.Equal("1", mail.Headers["X-Alert-Count"]);
        Assert.Equal(id.ToString(), mail.Headers["X-Alert-Id"]);
    }

    [Fact]
    public async Task Should_park_a_malformed_alert_alone_and_fold_the_rest_of_its_batch()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        var consumer = await routes.AddConsumerAsync("critical", Service.Grouping);

        await routes.Broker.PublishAsync("critical.db_down", """{"text":"database down","source":"db-1"}""");
        await routes.Broker.PublishAsync("critical.db_down", """{"text":"","source":"db-1"}""");
        await routes.Broker.PublishAsync("critical.db_down", """{"text":"database still down","source":"db-1"}""");

        await Eventually.HoldsAsync(() => Task.FromResult(routes.Sink.AccountedFor(Operations).Alerts == 2), TimeSpan.FromSeconds(20), "the two good alerts to be mailed");
        var parked = Assert.Single(await routes.Broker.DrainAsync("critical_error"));
        Assert.Contains("\"text\":\"\"", System.Text.Encoding.UTF8.GetString(parked.Body.Span), StringComparison.Ordinal);
        Assert.Contains(consumer.Output, line => line.Contains("the alert has no text", StringComparison.Ordinal));
    }

    async Task<RunningRoutes> StartTwoReplicasPerRouteAsync()
    {
        var routes = await RunningRoutes.StartAsync(broker);
        foreach (var route in new[] { "critical", "critical", "rate_limit", "rate_limit" })
        {
            await routes.AddConsumerAsync(route, Service.Grouping);
        }

        return routes;
    }

    static async Task AccountedForAsync(RunningRoutes routes, string address, int alerts) =>
        await Eventually.HoldsAsync(() => Task.FromResult(routes.Sink.AccountedFor(address).Alerts >= alerts), Patience,
            $"mails to {address} to account for {alerts} alerts");

    static Guid[] NewIds(int count) => [.. Enumerable.Range(0, count).Select(_ => Guid.NewGuid())];
}
