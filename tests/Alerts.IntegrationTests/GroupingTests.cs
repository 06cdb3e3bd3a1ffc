using System.Diagnostics;
using Alerts.IntegrationTests.Support;
using SmtpServer.Protocol;

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

    [Fact]
    [Trait("Category", "Fault")]
    public async Task Should_park_a_digest_the_mail_server_refuses_count_it_and_mail_it_once_replayed()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        routes.Sink.RefuseWith = (SmtpReplyCode)451; // "try again later": retried, then parked after Alerts:Retry:Limit
        var consumer = await routes.AddConsumerAsync("critical",
        [
            .. Service.Grouping,
            // Two quick retries instead of five minutes of them: what matters is where the digest ends.
            ("Alerts__Retry__Limit", "2"), ("Alerts__Retry__MinInterval", "00:00:00.100"), ("Alerts__Retry__MaxInterval", "00:00:00.200"),
        ]);

        var transient = NewIds(5);
        var permanent = NewIds(3);
        await routes.Broker.PublishManyAsync("critical.db_down", transient);
        await routes.Broker.WaitForMessagesAsync("critical.digest_error", 1);
        Assert.Equal(3, routes.Sink.Refused); // the first attempt and two retries, as for one alert

        routes.Sink.RefuseWith = SmtpReplyCode.TransactionFailed; // 554, "no": parked at once
        await routes.Broker.PublishManyAsync("critical.disk_full", permanent);
        await routes.Broker.WaitForMessagesAsync("critical.digest_error", 2);
        Assert.Equal(4, routes.Sink.Refused);
        Assert.Equal(0, routes.Sink.AcceptedCount);
        await Eventually.HoldsAsync(async () => (await MetricAsync(consumer, "alerts_parked_total")) == 8, TimeSpan.FromSeconds(10),
            "the parked digests to count their 8 alerts");

        routes.Sink.RefuseWith = null; // the operator fixed the mail server
        await using var replay = await Service.ReplayAsync(routes.Broker.Settings, "critical");
        Assert.True(replay.ExitCode == 0, replay.ToString());
        Assert.Contains("moved 0 parked alert(s) from critical_error back to critical", replay.StandardOutput);
        Assert.Contains("moved 2 parked digest message(s) from critical.digest_error back to critical.digest", replay.StandardOutput);
        await AccountedForAsync(routes, Operations, 8);
        await routes.Broker.WaitUntilSettledAsync("critical", "critical.digest", "critical.digest_error");
        Assert.Equal(2, routes.Sink.AcceptedCount);
        FaultReport.From("mail server 4xx, then 5xx until fixed, then replay", grouping: true, [.. transient, .. permanent], routes.Sink, parked: 8).Write();
    }

    [Fact]
    public async Task Should_park_and_count_a_malformed_message_in_its_digest_queue_and_go_on()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        var consumer = await routes.AddConsumerAsync("critical", Service.Grouping);
        var tallyType = new Dictionary<string, object?> { ["MT-MessageType"] = "urn:message:Alerts.Consumer.Aggregation:AlertTally" };

        await routes.Broker.PublishAsync("", "not JSON", exchange: "critical.digest");
        await routes.Broker.PublishAsync("", """{"group":"{type=\"db\"}","alerts":[{"i":null,"t":7,"s":0,"k":0,"a":0}]}""",
            exchange: "critical.digest", headers: tallyType); // an index past its tables
        await routes.Broker.PublishAsync("", "{}", exchange: "critical.digest"); // no type: offered to every consumer of the queue
        await routes.Broker.WaitForMessagesAsync("critical.digest_error", 3);
        await routes.Broker.PublishAsync("critical.db_down", """{"text":"database down","source":"db-1"}""");

        await AccountedForAsync(routes, Operations, 1);
        await Eventually.HoldsAsync(async () => (await MetricAsync(consumer, "alerts_parked_total")) == 3, TimeSpan.FromSeconds(10),
            "each parked message counted once");
        Assert.Equal(3, consumer.Count("in its error queue"));
        Assert.False(consumer.HasExited);
    }

    [Fact]
    public async Task Should_park_a_malformed_alert_as_the_route_that_notifies_each_alert_does()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical", Service.Grouping); // read by the grouping intake
        await routes.AddConsumerAsync("rate_limit"); // read by MassTransit, each alert alone
        string[] malformed = ["""{"text":"","source":"db-1"}""", "Hacker at 10k req/s", """{"severity":"urgent","text":"x"}"""];

        foreach (var body in malformed)
        {
            await routes.Broker.PublishAsync("critical.rate_limit", body); // a key both routes take
        }

        await routes.Broker.WaitForMessagesAsync("critical_error", malformed.Length);
        await routes.Broker.WaitForMessagesAsync("rate_limit_error", malformed.Length);
        var grouped = Faults(await routes.Broker.DrainAsync("critical_error"));
        var alone = Faults(await routes.Broker.DrainAsync("rate_limit_error"));
        Assert.Equal(alone.Order(), grouped.Order()); // MassTransit parks alert by alert, concurrently: in any order
        Assert.Contains(("Alerts.Consumer.Admission.InvalidAlertException", "the alert has no text"), grouped);
    }

    [Fact]
    public async Task Should_trace_each_alert_in_a_span_of_its_own_under_its_publishers()
    {
        await using var collector = new OtlpReceiver();
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical",
        [
            .. Service.Grouping,
            ("Telemetry__Exporter", "Otlp"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Endpoint.ToString().TrimEnd('/')),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_BSP_SCHEDULE_DELAY", "200"),
        ]);
        var published = NewIds(5).Select(id => (Id: id, Trace: ActivityTraceId.CreateRandom(), Span: ActivitySpanId.CreateRandom())).ToList();

        foreach (var (id, trace, span) in published)
        {
            await routes.Broker.PublishAsync("critical.db_down", $$"""{"id":"{{id}}","text":"database down","source":"db-1"}""",
                headers: new Dictionary<string, object?> { ["traceparent"] = $"00-{trace}-{span}-01" });
        }

        await AccountedForAsync(routes, Operations, published.Count);
        await Eventually.HoldsAsync(() => Task.FromResult(published.All(alert => collector.Count("/v1/traces", alert.Id.ToString()) >= 1)),
            TimeSpan.FromSeconds(20), "a span for each alert at the collector");
        Assert.All(published, alert =>
        {
            Assert.Equal(1, collector.Count("/v1/traces", alert.Id.ToString())); // one span per alert, not per batch
            Assert.True(collector.Received("/v1/traces", Convert.FromHexString(alert.Trace.ToHexString())), "the span is in its publisher's trace");
        });
    }

    static List<(string? Type, string? Message)> Faults(IReadOnlyList<RabbitMQ.Client.BasicGetResult> parked) =>
    [
        .. parked.Select(message => (Header(message, "MT-Fault-ExceptionType"), Header(message, "MT-Fault-Message"))),
    ];

    static string? Header(RabbitMQ.Client.BasicGetResult message, string name) =>
        message.BasicProperties.Headers?.TryGetValue(name, out var value) == true && value is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;

    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>A consumer's counter for the critical route, as Prometheus scrapes it.</summary>
    static async Task<long> MetricAsync(Service consumer, string name)
    {
        var metrics = await Http.GetStringAsync(new Uri(await consumer.HttpAddressAsync(), "/metrics"));
        return metrics.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Contains("route=\"critical\"", StringComparison.Ordinal))
            .Sum(line => long.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
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
