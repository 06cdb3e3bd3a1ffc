using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

/// <summary>An operator silences a known problem from the consumer's command line while its alerts keep coming.</summary>
[Collection(UsesBroker.Name)]
public sealed class When_an_operator_silences_alerts
{
    const string Operations = "ops@example.com";
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    // Mails a group every second, so the test sees within seconds what a silence holds back.
    static readonly (string, string)[] Consumer = [.. Service.Grouping, ("Alerts__Routes__critical__Grouping__GroupInterval", "00:00:01")];

    [Fact]
    public async Task Should_mail_nothing_it_matches_while_it_lasts_across_restarts_and_mail_again_once_it_expires()
    {
        await using var ownBroker = await Broker.StartPrivateAsync();
        await using var routes = await RunningRoutes.StartAsync(ownBroker);
        var consumer = await routes.AddConsumerAsync("critical", Consumer);
        var settings = routes.Broker.Settings;

        await PublishAsync(routes, "critical.db_down", 3);
        await AccountedForAsync(routes, 3);

        await using var added = await Service.SilenceAsync(settings, "add", "alertname=db_down", "source=~\"db-.*\"", "--duration", "2h",
            "--comment", "database maintenance", "--author", "on-call");
        Assert.True(added.ExitCode == 0, added.ToString());
        var silence = Guid.Parse(added.StandardOutput.Single());
        await Task.Delay(TimeSpan.FromSeconds(5)); // every replica honours a new silence within 5 s

        await PublishAsync(routes, "critical.db_down", 10);
        await PublishAsync(routes, "critical.disk_full", 1); // not matched: mailed as ever
        await AccountedForAsync(routes, 4);
        await routes.Broker.WaitUntilSettledAsync("critical", "critical.digest");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(4, routes.Sink.AccountedFor(Operations).Alerts);
        Assert.Equal(1, consumer.Count("Silenced alerts of group")); // once per group, not per alert
        var metrics = await Http.GetStringAsync(new Uri(await consumer.HttpAddressAsync(), "/metrics"));
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("alerts_silenced_total", StringComparison.Ordinal)
            && line.Contains("route=\"critical\"", StringComparison.Ordinal) && line.EndsWith(" 10", StringComparison.Ordinal));

        await using (var listed = await Service.SilenceAsync(settings, "list"))
        {
            Assert.True(listed.ExitCode == 0, listed.ToString());
            Assert.Contains(listed.StandardOutput, line => line.Contains(silence.ToString(), StringComparison.Ordinal)
                && line.Contains("alertname=\"db_down\"", StringComparison.Ordinal) && line.Contains("database maintenance", StringComparison.Ordinal));
        }

        // Consumers and broker restart: the silence is read back from the broker by a consumer that never saw it added.
        await consumer.KillAsync();
        await ownBroker.StopAsync();
        await ownBroker.StartAgainAsync();
        var restarted = await routes.AddConsumerAsync("critical", Consumer);
        await PublishAsync(routes, "critical.db_down", 5);
        await routes.Broker.WaitUntilSettledAsync("critical", "critical.digest");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(4, routes.Sink.AccountedFor(Operations).Alerts);
        Assert.Equal(1, restarted.Count("Silenced alerts of group"));

        await using var expired = await Service.SilenceAsync(settings, "expire", silence.ToString());
        Assert.True(expired.ExitCode == 0, expired.ToString());
        await Task.Delay(TimeSpan.FromSeconds(5));
        await PublishAsync(routes, "critical.db_down", 2);
        await AccountedForAsync(routes, 6);
    }

    static async Task PublishAsync(RunningRoutes routes, string routingKey, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await routes.Broker.PublishAsync(routingKey, $$"""{"id":"{{Guid.NewGuid()}}","text":"{{routingKey}} {{i}}","source":"db-1"}""");
        }
    }

    static Task AccountedForAsync(RunningRoutes routes, int alerts) =>
        Eventually.HoldsAsync(() => Task.FromResult(routes.Sink.AccountedFor(Operations).Alerts >= alerts), TimeSpan.FromSeconds(20),
            $"mails to operations to account for {alerts} alerts");
}
