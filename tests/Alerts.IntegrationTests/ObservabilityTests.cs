using System.Net;
using System.Text.Json;
using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

[Collection(UsesBroker.Name)]
public sealed class When_an_operator_watches_a_consumer(Broker broker)
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Should_be_ready_once_consuming_and_count_what_it_mailed_for_prometheus()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical");
        var consumer = routes.Consumers[0];
        var http = await consumer.HttpAddressAsync();

        await using var published = await Service.ProduceAsync(routes.Broker.Settings, "-r", "critical.db", "-m", "database down");
        await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30));

        using var ready = await Http.GetAsync(new Uri(http, "/health/ready"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        await using var check = await Service.CheckHealthAsync(new Uri(http, "/health/ready"));
        Assert.True(check.ExitCode == 0, check.ToString());

        string metrics = "";
        await Eventually.HoldsAsync(async () => (metrics = await Http.GetStringAsync(new Uri(http, "/metrics"))).Contains("alerts_mailed_total", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "alerts_mailed_total on /metrics");
        Assert.Contains(Sample(metrics, "alerts_received_total"), line => line.Contains("route=\"critical\"", StringComparison.Ordinal) && line.EndsWith(" 1", StringComparison.Ordinal));
        Assert.Contains(Sample(metrics, "alerts_mailed_total"), line => line.Contains("route=\"critical\"", StringComparison.Ordinal) && line.EndsWith(" 1", StringComparison.Ordinal));
        Assert.NotEmpty(Sample(metrics, "alerts_mail_duration_seconds_count"));
        Assert.NotEmpty(Sample(metrics, "alerts_queue_lag_seconds_count"));
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("messaging_masstransit_", StringComparison.Ordinal)); // MassTransit's own
    }

    [Fact]
    public async Task Should_push_metrics_and_traces_to_an_otlp_collector_when_configured()
    {
        await using var collector = new OtlpReceiver();
        await using var routes = await RunningRoutes.StartAsync(broker);
        var consumer = await routes.AddConsumerAsync("critical",
            ("Telemetry__Exporter", "Otlp"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Endpoint.ToString().TrimEnd('/')),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "500"),
            ("OTEL_BSP_SCHEDULE_DELAY", "200"),
            ("OTEL_SERVICE_NAME", "critical-consumer"));

        await using var published = await Service.ProduceAsync(routes.Broker.Settings, "-r", "critical.db", "-m", "database down");
        await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30));

        await Eventually.HoldsAsync(() => Task.FromResult(collector.Received("/v1/metrics", "alerts.mailed")), TimeSpan.FromSeconds(20), "alerts.mailed at the collector");
        await Eventually.HoldsAsync(() => Task.FromResult(collector.Received("/v1/traces", "AlertConsumer")), TimeSpan.FromSeconds(20), "MassTransit's consume span at the collector");
        Assert.True(collector.Received("/v1/metrics", "critical-consumer"), "the service name set by OTEL_SERVICE_NAME");
        using var scrape = await Http.GetAsync(new Uri(await consumer.HttpAddressAsync(), "/metrics"));
        Assert.Equal(HttpStatusCode.NotFound, scrape.StatusCode); // one exporter: no scrape endpoint beside OTLP
    }

    [Fact]
    public async Task Should_turn_not_ready_while_the_broker_is_away_and_ready_again_when_it_is_back()
    {
        await using var ownBroker = await Broker.StartPrivateAsync();
        await using var virtualHost = await ownBroker.CreateVirtualHostAsync();
        await using var sink = await TestSupport.SmtpSink.StartAsync();
        await using var consumer = Service.Consumer(virtualHost, sink.Port, "critical");
        var http = await consumer.HttpAddressAsync();
        var patience = TimeSpan.FromSeconds(60);
        async Task<HttpStatusCode> StatusAsync(string path)
        {
            using var response = await Http.GetAsync(new Uri(http, path));
            return response.StatusCode;
        }

        await Eventually.HoldsAsync(async () => await StatusAsync("/health/ready") == HttpStatusCode.OK, patience, "ready once consuming");
        await ownBroker.StopAsync();
        await Eventually.HoldsAsync(async () => await StatusAsync("/health/ready") == HttpStatusCode.ServiceUnavailable, patience, "not ready without a broker");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/health/live")); // alive: an orchestrator must not restart it for this
        await using (var check = await Service.CheckHealthAsync(new Uri(http, "/health/ready")))
        {
            Assert.Equal(1, check.ExitCode);
        }

        await ownBroker.StartAgainAsync();
        await Eventually.HoldsAsync(async () => await StatusAsync("/health/ready") == HttpStatusCode.OK, patience, "ready again once reconnected");
        Assert.False(consumer.HasExited);
    }

    [Fact]
    public async Task Should_log_json_with_the_alert_id_and_route_in_scope()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical",
            ("Logging__Console__FormatterName", "json"),
            ("Logging__Console__FormatterOptions__IncludeScopes", "true"),
            ("Logging__Console__FormatterOptions__JsonWriterOptions__Indented", "false"),
            ("Logging__LogLevel__Alerts.Consumer.Mail", "Debug"));
        var id = Guid.NewGuid();

        await routes.Broker.PublishAsync("critical.db", $$"""{"id":"{{id}}","text":"database down"}""");
        await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30));

        JsonElement mailed = default;
        await Eventually.HoldsAsync(() => Task.FromResult(routes.Consumers[0].StandardOutput
            .Where(line => line.StartsWith('{'))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Any(entry => (mailed = entry).GetProperty("Message").GetString()!.StartsWith("Mailed", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(10), "the JSON log line of the mail");
        var scope = mailed.GetProperty("Scopes").EnumerateArray().Single(scope => scope.TryGetProperty("AlertId", out _));
        Assert.Equal(id.ToString(), scope.GetProperty("AlertId").GetString());
        Assert.Equal("critical", scope.GetProperty("Route").GetString());
    }

    [Fact]
    public async Task Should_check_the_producer_connection_in_one_command()
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        var unreachable = new Dictionary<string, string>(virtualHost.Settings) { ["RabbitMq__Port"] = "1" };

        await using var connected = await Service.ProduceAsync(virtualHost.Settings, "check");
        await using var refused = await Service.ProduceAsync(unreachable, "check", "--timeout", "3");

        Assert.True(connected.ExitCode == 0, connected.ToString());
        Assert.Contains("connected to RabbitMQ", Assert.Single(connected.StandardOutput), StringComparison.Ordinal);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not connected", Assert.Single(refused.StandardError), StringComparison.Ordinal);
    }

    static List<string> Sample(string metrics, string name) =>
        [.. metrics.Split('\n').Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))];
}
