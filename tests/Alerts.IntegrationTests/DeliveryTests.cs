using Alerts.IntegrationTests.Support;
using SmtpServer.Protocol;

namespace Alerts.IntegrationTests;

[Collection(UsesBroker.Name)]
public sealed class When_two_consumers_serve_one_route(Broker broker)
{
    [Fact]
    public async Task Should_share_the_queue_and_mail_each_alert_once()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical", MailLog);
        await routes.AddConsumerAsync("critical", MailLog);
        var ids = Enumerable.Range(0, 60).Select(_ => Guid.NewGuid()).ToList();

        foreach (var id in ids)
        {
            await routes.Broker.PublishAsync("critical.mywebapp", $$"""{"id":"{{id}}","text":"alert {{id}}"}""");
        }

        await routes.Sink.WaitForAsync(ids.Count, TimeSpan.FromSeconds(60));
        await routes.Broker.WaitUntilSettledAsync("critical");
        var mailed = routes.Sink.Accepted.Select(mail => Guid.Parse(mail.Headers["X-Alert-Id"] ?? "")).ToList();
        Assert.Equal(ids.Order(), mailed.Order()); // every alert, none twice
        Assert.All(routes.Consumers, consumer => Assert.True(consumer.Count("Mailed") > 0, $"a consumer mailed nothing:{Environment.NewLine}{consumer}"));
    }

    /// <summary>Each mail is logged at Debug only; turned on here to see which replica mailed what.</summary>
    static readonly (string, string) MailLog = ("Logging__LogLevel__Alerts.Consumer.Mail", "Debug");
}

[Collection(UsesBroker.Name)]
public sealed class When_the_mail_server_keeps_refusing(Broker broker)
{
    [Fact]
    public async Task Should_park_every_alert_in_the_error_queue_after_its_retries()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        routes.Sink.RefuseWith = (SmtpReplyCode)451;
        var consumer = await routes.AddConsumerAsync("critical",
            ("Alerts__Retry__Limit", "2"), ("Alerts__Retry__MinInterval", "00:00:00.100"), ("Alerts__Retry__MaxInterval", "00:00:00.200"));
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();

        foreach (var id in ids)
        {
            await routes.Broker.PublishAsync("critical.db", $$"""{"id":"{{id}}","text":"database down"}""");
        }

        await routes.Broker.WaitForMessagesAsync("critical_error", ids.Count);
        await routes.Broker.WaitUntilSettledAsync("critical");
        var parked = await routes.Broker.DrainAsync("critical_error");
        Assert.Equal(ids.Order(), parked.Select(message => ParseId(message.Body)).Order());
        Assert.All(parked, message => Assert.Contains("refused by the test",
            System.Text.Encoding.UTF8.GetString((byte[])message.BasicProperties.Headers!["MT-Fault-Message"]!), StringComparison.Ordinal));
        Assert.Equal(ids.Count * 3, routes.Sink.Refused); // each alert: the first attempt and two retries
        Assert.Empty(routes.Sink.Accepted);
        Assert.Equal(ids.Count * 2, consumer.Count("Could not notify email") - ids.Count);
    }

    static Guid ParseId(ReadOnlyMemory<byte> body)
    {
        using var json = System.Text.Json.JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetGuid();
    }
}

[Collection(UsesBroker.Name)]
public sealed class When_a_consumer_is_stopped_while_retrying(Broker broker)
{
    [Fact]
    public async Task Should_hand_the_alert_back_to_its_queue_not_park_it()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical");
        routes.Sink.RefuseWith = (SmtpReplyCode)451;
        await routes.Broker.PublishAsync("critical.db", """{"text":"database down"}""");
        await Eventually.HoldsAsync(() => Task.FromResult(routes.Sink.Refused >= 2), TimeSpan.FromSeconds(30), "a retry under way");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await routes.Consumers.Single().TerminateAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, routes.Consumers.Single().ExitCode);
        Assert.InRange(stopping.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20)); // the retry's wait does not hold up the stop
        // Read back, not counted: nothing consumes these queues any more, and a drain sees what the broker really holds.
        Assert.Single(await routes.Broker.DrainAsync("critical"));
        Assert.Empty(await routes.Broker.DrainAsync("critical_error"));
    }
}
