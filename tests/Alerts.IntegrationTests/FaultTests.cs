using Alerts.IntegrationTests.Support;
using SmtpServer.Protocol;

namespace Alerts.IntegrationTests;

/// <summary>
/// Faults that real deployments meet, injected into real processes. Each publishes alerts with known ids and
/// counts, at a real SMTP server, what was mailed: nothing confirmed may be lost.
/// </summary>
[Collection(UsesBroker.Name)]
[Trait("Category", "Fault")]
public sealed class When_faults_strike(Broker broker)
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    const string Operations = "ops@example.com";

    /// <summary>What compose (stop_grace_period) and Kubernetes (terminationGracePeriodSeconds) give a consumer before SIGKILL.</summary>
    static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_consumer_killed_with_thousands_in_flight_loses_nothing(bool grouping)
    {
        await using var routes = await StartAsync(broker, grouping);
        var ids = NewIds(3000);
        // A group's first digest may account for every alert published by then: with grouping, half come after the kill.
        var (before, after) = grouping ? (ids[..1500], ids[1500..]) : (ids, new List<Guid>());
        await routes.Broker.PublishManyAsync("critical.load", before);

        await MailedAsync(routes, grouping, grouping ? 1 : 500);
        await routes.Consumers.Single().KillAsync();
        var mailedBeforeRestart = Mailed(routes, grouping);
        await routes.Broker.PublishManyAsync("critical.load", after);
        await routes.AddConsumerAsync("critical", Pipeline(grouping));
        await MailedAsync(routes, grouping, ids.Count);
        await routes.Broker.WaitUntilSettledAsync(Queues(grouping));

        var report = FaultReport.From("consumer killed (SIGKILL) mid-stream, restarted", grouping, ids, routes.Sink, await Parked(routes));
        Assert.True(mailedBeforeRestart < ids.Count, "the consumer was killed before it had mailed everything");
        report.Write();
        Assert.Equal(0, report.Lost);
        // Alert by alert, at most those the killed consumer held unacknowledged (Alerts:PrefetchCount); with grouping, at
        // most the group's alerts since its last digest, counted again once a new replica has forgotten their ids.
        Assert.InRange(report.Duplicates, 0, grouping ? ids.Count : 64);
        Assert.Equal(0, report.Parked);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_broker_restart_while_publishing_and_consuming_loses_nothing(bool grouping)
    {
        await using var ownBroker = await Broker.StartPrivateAsync();
        await using var routes = await StartAsync(ownBroker, grouping);
        await using var load = await AlertLoad.StartAsync(routes.Broker.Settings);

        var publishing = load.PublishAsync("critical.load", count: 600, perSecond: 50);
        await MailedAsync(routes, grouping, 100);
        await ownBroker.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(3)); // the broker stays down a while, as in a real restart
        await ownBroker.StartAgainAsync();
        await publishing;

        await MailedAsync(routes, grouping, load.Confirmed.Count);
        await routes.Broker.WaitUntilSettledAsync(Queues(grouping));
        var report = FaultReport.From("broker stopped and started while publishing", grouping, [.. load.Confirmed], routes.Sink, await Parked(routes));
        Assert.Equal(600, load.Confirmed.Count + load.Unconfirmed); // every publish accounted for: confirmed, or reported to the caller
        Assert.True(load.Confirmed.Count > 300, $"only {load.Confirmed.Count} publishes were confirmed ({load.Unconfirmed} failed while the broker was down)");
        report.Write();
        Assert.Equal(0, report.Lost);
        // With grouping, a publish the broker took but could not confirm is counted too: never more than were published.
        Assert.InRange(report.Duplicates, 0, grouping ? load.Unconfirmed : 64);
        Assert.Equal(0, report.Parked);
        Assert.False(routes.Consumers.Single().HasExited, "the consumer rode out the restart by itself");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_mail_server_down_for_30_seconds_heals_without_an_operator(bool grouping)
    {
        await using var routes = await StartAsync(broker, grouping); // default retry settings
        var ids = NewIds(150);

        await routes.Sink.StopAsync();
        foreach (var batch in ids.Chunk(25))
        {
            await routes.Broker.PublishManyAsync("critical.outage", batch);
            await Task.Delay(TimeSpan.FromSeconds(5)); // alerts keep arriving during the 30 s outage
        }

        await routes.Sink.StartAgainAsync();
        await MailedAsync(routes, grouping, ids.Count);
        await routes.Broker.WaitUntilSettledAsync(Queues(grouping));

        var report = FaultReport.From("mail server down 30 s (connection refused)", grouping, ids, routes.Sink, await Parked(routes));
        report.Write();
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(0, report.Parked);
    }

    [Fact]
    public async Task A_mail_server_answering_4xx_then_5xx_loses_nothing_once_replayed()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical");
        var transient = NewIds(20);
        var permanent = NewIds(20);

        routes.Sink.RefuseWith = (SmtpReplyCode)451; // "try again later": retried with growing delays
        await routes.Broker.PublishManyAsync("critical.smtp", transient);
        await Eventually.HoldsAsync(() => Task.FromResult(routes.Sink.Refused >= transient.Count), Patience, "a while of 4xx answers");
        routes.Sink.RefuseWith = null;
        await routes.Sink.WaitForAsync(transient.Count, Patience);

        routes.Sink.RefuseWith = SmtpReplyCode.TransactionFailed; // 554, "no": parked at once, not retried
        await routes.Broker.PublishManyAsync("critical.smtp", permanent);
        await routes.Broker.WaitForMessagesAsync("critical_error", permanent.Count);
        routes.Sink.RefuseWith = null; // the operator fixed the mail server

        var parkedBeforeReplay = await Parked(routes);
        await using var replay = await Service.ReplayAsync(routes.Broker.Settings, "critical");
        Assert.True(replay.ExitCode == 0, replay.ToString());
        Assert.Contains($"moved {parkedBeforeReplay} parked alert(s) from critical_error back to critical", replay.StandardOutput);
        await routes.Sink.WaitForAsync(transient.Count + permanent.Count, Patience);
        await routes.Broker.WaitUntilSettledAsync("critical");

        var report = FaultReport.From("mail server 4xx, then 5xx until fixed, then replay", grouping: false, [.. transient, .. permanent], routes.Sink, parkedBeforeReplay);
        report.Write();
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(permanent.Count, report.Parked);
        Assert.Equal(0, await Parked(routes));
    }

    [Fact]
    public async Task A_consumer_stopped_with_sigterm_beside_a_replica_loses_and_duplicates_nothing()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical", "critical");
        var ids = NewIds(1000);
        await routes.Broker.PublishManyAsync("critical.deploy", ids);

        await routes.Sink.WaitForAsync(200, Patience);
        var stopped = routes.Consumers[0];
        await stopped.TerminateAsync(GracePeriod);
        await routes.Sink.WaitForAsync(ids.Count, Patience);
        await routes.Broker.WaitUntilSettledAsync("critical");

        var report = FaultReport.From("consumer stopped (SIGTERM) mid-stream, replica running", grouping: false, ids, routes.Sink, await Parked(routes));
        report.Write();
        Assert.Equal(0, stopped.ExitCode);
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(0, report.Parked);
    }

    [Fact]
    public async Task A_consumer_stopped_with_sigterm_while_the_mail_server_hangs_exits_within_the_grace_period_and_loses_nothing()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical");
        routes.Sink.Latency = TimeSpan.FromMinutes(2); // longer than any grace period: the mail in flight cannot finish
        var ids = NewIds(3);
        await routes.Broker.PublishManyAsync("critical.slow", ids);
        await Eventually.HoldsAsync(() => Task.FromResult(routes.Sink.MailingSessions > 0), Patience, "a mail in flight");

        var stopped = routes.Consumers[0];
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await stopped.TerminateAsync(GracePeriod);
        stopping.Stop();
        routes.Sink.Latency = TimeSpan.Zero;
        await routes.AddConsumerAsync("critical");
        await routes.Sink.WaitForAsync(ids.Count, Patience);
        await routes.Broker.WaitUntilSettledAsync("critical");

        var report = FaultReport.From("consumer stopped (SIGTERM) with a mail server that hangs", grouping: false, ids, routes.Sink, await Parked(routes));
        report.Write();
        Assert.True(stopping.Elapsed < GracePeriod, $"stopped in {stopping.Elapsed.TotalSeconds:0.0}s");
        Assert.Equal(0, stopped.ExitCode);
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Parked);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hostile_and_malformed_input_is_parked_or_mailed_harmlessly_and_blocks_nothing(bool grouping)
    {
        await using var routes = await StartAsync(broker, grouping);
        const string Hostile = "Bcc: thief@example.net\r\nSubject: hijacked\r\n\r\n.\r\nMAIL FROM:<x@y> — Grüße, 日本, 🚨";
        var valid = NewIds(5);
        var malformed = new (string RoutingKey, string Body, string? ContentType)[]
        {
            ("critical.bad", "Hacker at 10k req/s", "application/json"), // not JSON
            ("critical.bad", "[\"an\",\"array\"]", "application/json"), // wrong shape
            ("critical.bad", """{"severity":"urgent","text":"x"}""", "application/json"), // unknown severity
            ("critical.bad", """{"source":"no text"}""", "application/json"), // missing text
            ("critical.bad", $"\"{new string('x', 10 * 1024 * 1024)}\"", "application/json"), // a 10 MB body
            ("critical.bad", "<alert>x</alert>", "application/xml"), // wrong content type
            // One topic word (no dot), so critical.* matches it and it reaches the consumer.
            ("critical.x\r\nBcc: thief@localhost", "\"header injection through the routing key\"", "application/json"),
            ("critical.bad", $$"""{"id":"1\r\nBcc: thief@example.net","text":"x"}""", "application/json"), // CR/LF in the id
        };

        foreach (var id in valid)
        {
            await routes.Broker.PublishAsync("critical.hostile", System.Text.Json.JsonSerializer.Serialize(new
            {
                id, severity = "critical", type = $"x\r\nCc: thief@example.net {Hostile}", text = Hostile, source = Hostile, occurredAt = "2026-11-24T18:00:00Z",
            }));
        }

        foreach (var (routingKey, body, contentType) in malformed)
        {
            await routes.Broker.PublishAsync(routingKey, body, contentType);
        }

        var last = Guid.NewGuid();
        await routes.Broker.PublishManyAsync("critical.after", [last]); // behind all of it, and still mailed
        valid.Add(last);

        await MailedAsync(routes, grouping, valid.Count);
        await routes.Broker.WaitForMessagesAsync("critical_error", malformed.Length);

        await routes.Broker.WaitUntilSettledAsync(Queues(grouping));

        var report = FaultReport.From("hostile and malformed input (CR/LF, non-ASCII, 10 MB)", grouping, valid, routes.Sink, await Parked(routes))
            with { Published = valid.Count + malformed.Length };
        report.Write();
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(malformed.Length, report.Parked);
        Assert.Equal(valid.Count, routes.Sink.AccountedFor(Operations).Alerts); // no second message smuggled in
        Assert.Equal(Enumerable.Repeat(Operations, routes.Sink.Accepted.Count), routes.Sink.EnvelopeRecipients); // nor a recipient
        Assert.All(routes.Sink.Accepted, mail =>
        {
            Assert.Equal([Operations], mail.GetRecipients().Select(address => address.Address));
            Assert.StartsWith("CRITICAL ALERT", mail.Subject, StringComparison.Ordinal);
            Assert.Null(mail.Headers["Bcc"]);
            Assert.Null(mail.Headers["Cc"]);
        });
        Assert.Contains(routes.Sink.Accepted, mail => (mail.TextBody ?? "").Contains("Grüße, 日本, 🚨", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_replay_killed_half_way_loses_nothing()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical");
        await routes.Broker.PublishAsync("critical.bad", "not JSON"); // parked: the error queue now exists
        await routes.Broker.WaitForMessagesAsync("critical_error", 1);
        await routes.Consumers.Single().TerminateAsync(TimeSpan.FromSeconds(60)); // the queues stay; nothing consumes them now
        await routes.Broker.DrainAsync("critical_error");
        var ids = NewIds(5000);
        await routes.Broker.PublishManyAsync("critical.parked", ids, exchange: "critical_error");
        await routes.Broker.WaitForMessagesAsync("critical_error", ids.Count);

        await using var replay = Service.StartReplay(routes.Broker.Settings, "critical");
        await Eventually.HoldsAsync(async () => (await routes.Broker.QueueAsync("critical")).Messages > 0 || replay.HasExited,
            TimeSpan.FromSeconds(60), "the replay moving alerts");
        await replay.KillAsync();
        var parkedWhenKilled = await Parked(routes);

        await routes.AddConsumerAsync("critical");
        await using var again = await Service.ReplayAsync(routes.Broker.Settings, "critical");
        Assert.True(again.ExitCode == 0, again.ToString());
        await routes.Sink.WaitForAsync(ids.Count, Patience);
        await routes.Broker.WaitUntilSettledAsync("critical");

        var report = FaultReport.From("replay killed (SIGKILL) half-way, then run again", grouping: false, ids, routes.Sink, parkedWhenKilled);
        report.Write();
        Assert.InRange(parkedWhenKilled, 1, ids.Count - 1); // killed half-way indeed
        Assert.Equal(0, report.Lost);
        Assert.InRange(report.Duplicates, 0, 1); // at most the alert in hand: copied, not yet removed
        Assert.Equal(0, await Parked(routes));
    }

    static List<Guid> NewIds(int count) => [.. Enumerable.Range(0, count).Select(_ => Guid.NewGuid())];

    /// <summary>
    /// Each alert mailed alone, or the shipped default, grouping. Its groups are mailed every 2 s here rather than every
    /// minute, so that the test waits for the fault, not for the interval, on which no fault depends.
    /// </summary>
    static (string Name, string Value)[] Pipeline(bool grouping) =>
        grouping ? [.. Service.Grouping, ("Alerts__Routes__critical__Grouping__GroupInterval", "00:00:02")] : [];

    static async Task<RunningRoutes> StartAsync(Broker broker, bool grouping)
    {
        var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical", Pipeline(grouping));
        return routes;
    }

    static string[] Queues(bool grouping) => grouping ? ["critical", "critical.digest"] : ["critical"];

    /// <summary>The alerts the mails account for: one each alone, their X-Alert-Count with grouping.</summary>
    static long Mailed(RunningRoutes routes, bool grouping) => grouping ? routes.Sink.AccountedFor(Operations).Alerts : routes.Sink.Accepted.Count;

    static Task MailedAsync(RunningRoutes routes, bool grouping, int alerts) =>
        Eventually.HoldsAsync(() => Task.FromResult(Mailed(routes, grouping) >= alerts), Patience, $"mails accounting for {alerts} alerts");

    static async Task<int> Parked(RunningRoutes routes) => (int)(await routes.Broker.QueueAsync("critical_error")).Messages;
}
