using System.Text;
using Alerts.IntegrationTests.Support;
using Alerts.TestSupport;

namespace Alerts.IntegrationTests;

/// <summary>
/// An alert whose routing key no route binds (a typo, a type nobody routes yet, or one published before its consumer
/// first ran) is kept in the 'unrouted' queue by the alerts exchange's alternate exchange, on a broker set up the way
/// a deployment sets it up; a replay sends it to the routes once one takes it.
/// </summary>
[Collection(UsesBroker.Name)]
public sealed class When_no_route_takes_an_alert(Broker broker)
{
    static readonly (string, string)[] DatabaseRoute =
    [
        ("Alerts__Routes__database__Queue", "database"),
        ("Alerts__Routes__database__Bindings__0", "*.db_down"),
        ("Alerts__Routes__database__To__0", "DBA <dba@example.com>"),
        ("Alerts__Routes__database__Subject", "DATABASE ALERT"),
    ];

    [Fact]
    public async Task Should_keep_the_books_python_alert_until_a_route_is_added_and_the_alert_replayed()
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await virtualHost.DeclareDeploymentTopologyAsync();

        // No consumer has ever run here: only the deployment's topology exists.
        await BookClient.PublishAsync(virtualHost, "warning.db_down", "Database replica lag over 5 minutes");
        await BookClient.PublishAsync(virtualHost, "info.mywebapp", "Deployed version 42"); // reaches no route by design
        await virtualHost.WaitForMessagesAsync("unrouted", 2);

        await using var sink = await SmtpSink.StartAsync();
        await using var consumer = Service.Consumer(virtualHost, sink.Port, "database", DatabaseRoute);
        await virtualHost.WaitForConsumersAsync("database", 1);
        await using var replay = await Service.ReplayAsync(virtualHost.Settings, "unrouted");

        Assert.True(replay.ExitCode == 0, replay.ToString());
        Assert.Contains("moved 2 unrouted alert(s) from unrouted back to the alerts exchange", replay.StandardOutput);
        var mail = Assert.Single(await sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("DATABASE ALERT", mail.Subject);
        Assert.Contains("Database replica lag over 5 minutes", mail.TextBody, StringComparison.Ordinal);
        // The alert no route takes yet went back where it waited, and nothing else did.
        var stillUnrouted = await virtualHost.DrainAsync("unrouted");
        Assert.Equal("info.mywebapp", Assert.Single(stillUnrouted).RoutingKey);
    }

    [Fact]
    public async Task Should_tell_the_producer_command_line_and_keep_the_alert_once()
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await virtualHost.DeclareDeploymentTopologyAsync();

        await using var unrouted = await Service.ProduceAsync(virtualHost.Settings, "-r", "warning.db_down", "-m", "Database down");
        await using var routed = await Service.ProduceAsync(virtualHost.Settings, "-r", "critical.mywebapp", "-m", "Web app down");

        Assert.True(unrouted.ExitCode == 0, unrouted.ToString());
        Assert.Contains("(no route takes warning.db_down: it waits in the 'unrouted' queue)", Assert.Single(unrouted.StandardOutput), StringComparison.Ordinal);
        Assert.True(routed.ExitCode == 0, routed.ToString());
        Assert.DoesNotContain("no route", Assert.Single(routed.StandardOutput), StringComparison.Ordinal);
        var kept = Assert.Single(await virtualHost.DrainAsync("unrouted"));
        Assert.Equal("warning.db_down", kept.RoutingKey);
        Assert.Contains("Database down", Encoding.UTF8.GetString(kept.Body.Span), StringComparison.Ordinal);
        Assert.Single(await virtualHost.DrainAsync("critical"));
    }

    [Fact]
    public async Task Should_show_the_waiting_alerts_in_rabbitmqs_own_prometheus_metrics()
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await virtualHost.DeclareDeploymentTopologyAsync();

        await BookClient.PublishAsync(virtualHost, "warning.nobody_routes_this", "one");
        await BookClient.PublishAsync(virtualHost, "warning.nobody_routes_this", "two");

        using var http = new HttpClient();
        var metric = $"rabbitmq_detailed_queue_messages{{vhost=\"{virtualHost.Name}\",queue=\"unrouted\"}} 2";
        await Eventually.HoldsAsync(async () =>
        {
            var scrape = await http.GetStringAsync(
                new Uri($"http://127.0.0.1:{broker.PrometheusPort}/metrics/detailed?vhost={virtualHost.Name}&family=queue_coarse_metrics"));
            return scrape.Split('\n').Contains(metric);
        }, TimeSpan.FromSeconds(30), metric);
    }

    [Fact]
    public async Task Should_bound_the_unrouted_queue_in_length_and_age_by_policy()
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await virtualHost.DeclareDeploymentTopologyAsync();

        // The broker applies a policy to a queue asynchronously; its statistics show it once it took effect.
        System.Text.Json.JsonElement queue = default;
        await Eventually.HoldsAsync(async () =>
        {
            queue = await virtualHost.QueueDetailsAsync("unrouted");
            return queue.TryGetProperty("policy", out var policy) && policy.GetString() == "unrouted-bounds";
        }, TimeSpan.FromSeconds(30), "the policy unrouted-bounds on the unrouted queue");

        Assert.Equal("quorum", queue.GetProperty("type").GetString());
        var bounds = queue.GetProperty("effective_policy_definition");
        Assert.Equal(100_000, bounds.GetProperty("max-length").GetInt32());
        Assert.Equal(TimeSpan.FromDays(14).TotalMilliseconds, bounds.GetProperty("message-ttl").GetInt64());
    }
}
