using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

/// <summary>
/// What is firing and what happened, asked of the front door as Alertmanager is asked (Debian's amtool, a real Prometheus),
/// answered from the history the consumers keep in the broker, and the same after the front door or the broker restarts.
/// </summary>
[Collection(UsesBroker.Name)]
public sealed class When_someone_asks_what_is_firing(Broker broker)
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Should_list_alerts_from_amqp_and_amtool_to_amtool_with_filters_silences_and_what_no_route_took()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.Broker.DeclareDeploymentTopologyAsync(); // the unrouted queue and its binding to the history
        await routes.AddConsumerAsync("critical");
        var (frontDoor, address) = await Service.StartFrontDoorAsync(routes.Broker.Settings);
        await using var _ = frontDoor;
        var amtool = await Amtool.CreateAsync(address);

        await BookClient.PublishAsync(routes.Broker, "critical.rate_limit", "Hacker at 10k req/s"); // the book's bare string
        await amtool.RunAsync("alert", "add", "alertname=DiskFull", "severity=critical", "instance=db-1", "--annotation=summary=disk full on db-1");
        await BookClient.PublishAsync(routes.Broker, "info.backup_done", "nightly backup done"); // no route takes info.*
        var listed = "";
        try
        {
            await Eventually.HoldsAsync(async () =>
            {
                listed = await amtool.RunAsync("alert", "query");
                return listed.Contains("DiskFull", StringComparison.Ordinal) && listed.Contains("rate_limit", StringComparison.Ordinal);
            }, Patience, "amtool to list both alerts");
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}; it listed:\n{listed}\nthe front door printed:\n{frontDoor}", timeout);
        }

        Assert.Contains("Hacker at 10k req/s", listed, StringComparison.Ordinal);
        Assert.Contains("disk full on db-1", listed, StringComparison.Ordinal);
        var filtered = await amtool.RunAsync("alert", "query", "alertname=DiskFull");
        Assert.Contains("DiskFull", filtered, StringComparison.Ordinal);
        Assert.DoesNotContain("rate_limit", filtered, StringComparison.Ordinal);
        await Eventually.HoldsAsync(async () => (await amtool.RunAsync("alert", "query", "--receiver=unrouted")).Contains("backup_done", StringComparison.Ordinal),
            Patience, "the alert no route took to be listed with receiver unrouted");
        Assert.DoesNotContain("backup_done", await amtool.RunAsync("alert", "query", "--receiver=critical"), StringComparison.Ordinal);

        var silence = (await amtool.RunAsync("silence", "add", "alertname=DiskFull", "--comment=replacing the disk", "--author=on-call", "--duration=1h")).Trim();
        await Eventually.HoldsAsync(async () => !(await amtool.RunAsync("alert", "query")).Contains("DiskFull", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5), "a silenced alert to leave the default query within 5 s");
        var silenced = await amtool.RunAsync("alert", "query", "--silenced", "-o", "json");
        var suppressed = Assert.Single(JsonDocument.Parse(silenced).RootElement.EnumerateArray());
        Assert.Equal("DiskFull", suppressed.GetProperty("labels").GetProperty("alertname").GetString());
        Assert.Equal("suppressed", suppressed.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal(silence, suppressed.GetProperty("status").GetProperty("silencedBy")[0].GetString());
        Assert.Equal("critical", suppressed.GetProperty("receivers")[0].GetProperty("name").GetString());

        // The routes, as Alertmanager's configuration that amtool (and Grafana) parse.
        var tree = await amtool.RunAsync("config", "routes");
        Assert.Contains("{severity=\"critical\"}", tree, StringComparison.Ordinal);
        Assert.Contains("receiver: critical", tree, StringComparison.Ordinal);
        Assert.Equal("critical", (await amtool.RunAsync("config", "routes", "test", "severity=critical", "type=db_down")).Trim());

        using var http = Client(address);
        var receivers = JsonDocument.Parse(await http.GetStringAsync("/api/v2/receivers")).RootElement.EnumerateArray().Select(r => r.GetProperty("name").GetString());
        Assert.Equal(["critical", "unrouted"], receivers.Order());
        var groups = JsonDocument.Parse(await http.GetStringAsync("/api/v2/alerts/groups?silenced=true")).RootElement;
        Assert.Contains(groups.EnumerateArray(), group => group.GetProperty("receiver").GetProperty("name").GetString() == "critical"
            && group.GetProperty("labels").GetProperty("type").GetString() == "disk_full" && group.GetProperty("alerts").GetArrayLength() == 1);
        amtool.Dispose();
    }

    [Fact]
    public async Task Should_list_a_prometheus_alert_while_it_fires_and_keep_its_resolution_in_the_history()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical", Service.Grouping);
        var (frontDoor, address) = await Service.StartFrontDoorAsync(routes.Broker.Settings);
        await using var _ = frontDoor;
        var stopsAt = DateTimeOffset.UtcNow.AddSeconds(20).ToUnixTimeSeconds();
        await using var prometheus = await PrometheusServer.StartAsync(address, Service.FrontDoorToken, $$"""
                  - alert: HighRequestRate
                    expr: vector(time()) < {{stopsAt}}
                    labels: { severity: critical, team: api }
                    annotations: { summary: "the API serves more than 10k requests/s" }
            """);
        using var http = Client(address);

        await Eventually.HoldsAsync(async () => (await AlertsAsync(http, "")).Any(), Patience, "the firing rule to be listed");
        var firing = Assert.Single(await AlertsAsync(http, "?filter=team%3D%22api%22"));
        Assert.Equal("HighRequestRate", firing.GetProperty("labels").GetProperty("alertname").GetString());
        Assert.Equal("the API serves more than 10k requests/s", firing.GetProperty("annotations").GetProperty("summary").GetString());
        Assert.Equal("active", firing.GetProperty("status").GetProperty("state").GetString());
        Assert.StartsWith("http://", firing.GetProperty("generatorURL").GetString(), StringComparison.Ordinal);
        Assert.True(firing.GetProperty("endsAt").GetDateTimeOffset() > DateTimeOffset.UtcNow, "Prometheus says until when it fires");

        await Eventually.HoldsAsync(async () => !(await AlertsAsync(http, "")).Any(), TimeSpan.FromSeconds(90), "the resolved rule to be gone");
        var history = JsonDocument.Parse(await http.GetStringAsync("/api/history?filter=alertname%3D%22HighRequestRate%22")).RootElement.GetProperty("events");
        var kinds = history.EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Equal("resolved", kinds.First(kind => kind is "resolved" or "fired" or "resent"));
        Assert.Equal("fired", kinds.Last(kind => kind is "fired" or "resent"));
        Assert.Contains("notified", kinds);
        Assert.All(history.EnumerateArray(), e => Assert.Equal("critical", e.GetProperty("route").GetString()));
    }

    [Fact]
    public async Task Should_list_the_same_alerts_after_the_front_door_and_then_the_broker_restart()
    {
        await using var ownBroker = await Broker.StartPrivateAsync();
        await using var routes = await RunningRoutes.StartAsync(ownBroker);
        await routes.AddConsumerAsync("critical");
        var (frontDoor, address) = await Service.StartFrontDoorAsync(routes.Broker.Settings);
        for (var i = 0; i < 5; i++)
        {
            await routes.Broker.PublishAsync("critical.db_down", $$"""{"text":"database down","source":"db-{{i}}"}""");
        }

        using var http = Client(address);
        await Eventually.HoldsAsync(async () => (await AlertsAsync(http, "")).Count() == 5, Patience, "five alerts to be listed");
        var before = Fingerprints(await AlertsAsync(http, ""));

        await frontDoor.DisposeAsync();
        var (restarted, restartedAddress) = await Service.StartFrontDoorAsync(routes.Broker.Settings);
        await using var _ = restarted;
        using var again = Client(restartedAddress);
        Assert.Equal(before, Fingerprints(await AlertsAsync(again, "")));

        await ownBroker.StopAsync();
        await ownBroker.StartAgainAsync();
        await Eventually.HoldsAsync(async () => await HealthyAsync(again), Patience, "the front door to reconnect");
        Assert.Equal(before, Fingerprints(await AlertsAsync(again, "")));
        var (third, thirdAddress) = await Service.StartFrontDoorAsync(routes.Broker.Settings);
        await using var __ = third;
        using var fresh = Client(thirdAddress);
        Assert.Equal(before, Fingerprints(await AlertsAsync(fresh, "")));
    }

    [Theory]
    [InlineData("/api/v2/alerts?filter=alertname", "filter: 'alertname' is not a matcher")]
    [InlineData("/api/v2/alerts/groups?active=yes", "active: 'yes' is not true or false")]
    [InlineData("/api/history?since=yesterday", "since: 'yesterday' is not a time")]
    [InlineData("/api/history?limit=5000", "limit: '5000' is not a number from 1 to 1000")]
    public async Task Should_answer_a_bad_query_with_400_naming_it(string path, string error)
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        var (frontDoor, address) = await Service.StartFrontDoorAsync(routes.Broker.Settings);
        await using var _ = frontDoor;
        using var http = Client(address);

        using var answer = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.StartsWith(error, JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    static HttpClient Client(Uri address)
    {
        var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Service.FrontDoorToken);
        return http;
    }

    static async Task<IEnumerable<JsonElement>> AlertsAsync(HttpClient http, string query) =>
        JsonDocument.Parse(await http.GetStringAsync($"/api/v2/alerts{query}")).RootElement.EnumerateArray().ToList();

    static List<string?> Fingerprints(IEnumerable<JsonElement> alerts) => [.. alerts.Select(alert => alert.GetProperty("fingerprint").GetString()).Order()];

    static async Task<bool> HealthyAsync(HttpClient http)
    {
        try
        {
            return (await http.GetAsync("/api/v2/alerts")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
