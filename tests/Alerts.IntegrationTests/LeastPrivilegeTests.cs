using Alerts.IntegrationTests.Support;
using Alerts.TestSupport;

namespace Alerts.IntegrationTests;

[Collection(UsesBroker.Name)]
public sealed class When_each_service_has_only_the_rights_it_needs(Broker broker)
{
    [Fact]
    public async Task Should_route_and_mail_with_the_documented_least_privilege_users()
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await using var sink = await SmtpSink.StartAsync();
        // The permissions the README documents: the producer may only declare and write the alerts exchange;
        // a consumer only its route's queue, digest queue, the exchanges in front of them and their error queues, the
        // silences and the history, and read alerts. The consumer groups, as shipped.
        var producer = await broker.CreateUserAsync(virtualHost, configure: "^alerts$", write: "^alerts$", read: "^$");
        var consumer = await broker.CreateUserAsync(virtualHost,
            configure: @"^(alerts|silences|history|critical(\.digest)?(_error)?)$", write: @"^(silences|history|critical(\.digest)?(_error)?)$",
            read: @"^(alerts|silences|history|critical(\.digest)?(_error)?)$");

        await using var critical = Service.Consumer(virtualHost, sink.Port, "critical",
            [.. consumer.Where(setting => setting.Key.StartsWith("RabbitMq__Username", StringComparison.Ordinal) || setting.Key.StartsWith("RabbitMq__Password", StringComparison.Ordinal))
                .Select(setting => (setting.Key, setting.Value)), .. Service.Grouping]);
        await virtualHost.WaitForConsumersAsync("critical", 1);
        await using var published = await Service.ProduceAsync(producer, "-r", "critical.db", "-m", "database down");
        await virtualHost.PublishAsync("critical.db", "not JSON at all"); // parking needs its rights too

        Assert.True(published.ExitCode == 0, published.ToString());
        var mail = Assert.Single(await sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Contains("database down", mail.TextBody, StringComparison.Ordinal);
        await virtualHost.WaitForMessagesAsync("critical_error", 1);
        Assert.DoesNotContain(critical.Output, line => line.Contains("ACCESS_REFUSED", StringComparison.Ordinal));
        Assert.DoesNotContain(critical.Output, line => line.Contains(consumer["RabbitMq__Password"], StringComparison.Ordinal));

        // The front door reads silences and the history besides publishing, and counts and replays what the routes parked.
        var frontDoorUser = await broker.CreateUserAsync(virtualHost, configure: "^(alerts|silences|history)$",
            write: @"^(alerts|silences|history|critical(\.digest)?)$", read: @"^(silences|history|unrouted|critical(\.digest)?_error)$");
        var (frontDoor, address) = await Service.StartFrontDoorAsync(frontDoorUser);
        await using var _ = frontDoor;
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Authorization = new("Bearer", Service.FrontDoorToken);
        await Eventually.HoldsAsync(async () => (await http.GetStringAsync("/api/v2/alerts")).Contains("database down", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the front door to list the alert");
        Assert.Contains("\"alerts\":1,", await http.GetStringAsync("/api/parked"), StringComparison.Ordinal);
        var replayed = await http.PostAsync("/api/parked/critical/replay", null);
        Assert.True(replayed.IsSuccessStatusCode, await replayed.Content.ReadAsStringAsync());
        Assert.Contains("\"count\":1,", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(frontDoor.Output, line => line.Contains("ACCESS_REFUSED", StringComparison.Ordinal));
    }
}
