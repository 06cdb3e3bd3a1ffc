using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

/// <summary>The HTTP front door: Alertmanager's API v2 as Prometheus posts it, and the simple JSON endpoint, on a real broker.</summary>
[Collection(UsesBroker.Name)]
public sealed class When_alerts_come_over_http(Broker broker)
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Should_mail_a_prometheus_alert_once_however_often_it_is_resent()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical", Service.Grouping);
        var (frontDoor, address) = await Service.StartFrontDoorAsync(routes.Broker.Settings);
        await using var _ = frontDoor;
        using var http = Client(address);
        var startsAt = DateTimeOffset.UtcNow.AddSeconds(-30).ToString("O");
        var firing = $$"""
            [{"labels": {"alertname": "HighRequestRate", "severity": "critical", "instance": "web-1:9100", "job": "web"},
              "annotations": {"summary": "web-1 serves 10k requests/s", "runbook_url": "https://runbooks.example.com/rate"},
              "startsAt": "{{startsAt}}", "generatorURL": "http://prometheus:9090/graph"}]
            """;

        for (var send = 0; send < 3; send++)
        {
            using var posted = await http.PostAsync("/api/v2/alerts", Json(firing));
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }

        var mail = Assert.Single(await routes.Sink.WaitForAsync(1, Patience));
        await routes.Broker.WaitUntilSettledAsync("critical", "critical.digest");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(routes.Sink.Accepted);
        Assert.Equal("critical.high_request_rate", mail.Headers["X-Alert-Routing-Key"]);
        Assert.Equal("1", mail.Headers["X-Alert-Count"]);
        Assert.Contains("web-1 serves 10k requests/s", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("web-1:9100", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_mail_a_real_prometheus_alert_once_while_it_is_resent_and_its_resolution_once_it_stops()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical", Service.Grouping);
        var (frontDoor, address) = await Service.StartFrontDoorAsync(routes.Broker.Settings);
        await using var _ = frontDoor;
        // Fires from the first evaluation for 15 seconds, then stops: Prometheus sends the resolution, and re-sends both.
        var stopsAt = DateTimeOffset.UtcNow.AddSeconds(15).ToUnixTimeSeconds();
        await using var prometheus = await PrometheusServer.StartAsync(address, Service.FrontDoorToken, $$"""
                  - alert: HighRequestRate
                    expr: vector(time()) < {{stopsAt}}
                    labels: { severity: critical, team: api }
                    annotations: { summary: "the API serves more than 10k requests/s" }
            """);

        var firing = Assert.Single(await routes.Sink.WaitForAsync(1, Patience));
        await Eventually.HoldsAsync(async () => await prometheus.NotificationsSentAsync() >= 5, Patience, "prometheus to re-send the firing alert");
        Assert.Single(routes.Sink.Accepted);
        var resolved = (await routes.Sink.WaitForAsync(2, TimeSpan.FromSeconds(60)))[1];
        var sentAtResolution = await prometheus.NotificationsSentAsync();
        await Eventually.HoldsAsync(async () => await prometheus.NotificationsSentAsync() >= sentAtResolution + 3, Patience, "prometheus to re-send the resolution");
        await routes.Broker.WaitUntilSettledAsync("critical", "critical.digest");
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.Equal(2, routes.Sink.Accepted.Count);
        Assert.Equal(0, await prometheus.NotificationErrorsAsync());
        Assert.Equal("CRITICAL ALERT", firing.Subject);
        Assert.Equal("critical.high_request_rate", firing.Headers["X-Alert-Routing-Key"]);
        Assert.Contains("the API serves more than 10k requests/s", firing.TextBody, StringComparison.Ordinal);
        Assert.Equal("[RESOLVED] CRITICAL ALERT", resolved.Subject);
        Assert.Equal("critical.high_request_rate", resolved.Headers["X-Alert-Routing-Key"]);
    }

    [Fact]
    public async Task Should_let_amtool_add_query_and_expire_a_silence_and_post_alerts()
    {
        await using var routes = await RunningRoutes.StartAsync(broker);
        await routes.AddConsumerAsync("critical", [.. Service.Grouping, ("Alerts__Routes__critical__Grouping__GroupInterval", "00:00:01")]);
        var (frontDoor, address) = await Service.StartFrontDoorAsync(routes.Broker.Settings);
        await using var _ = frontDoor;
        var httpConfig = Path.GetTempFileName();
        await File.WriteAllTextAsync(httpConfig, $"authorization:\n  credentials: {Service.FrontDoorToken}\n");
        async Task<string> AmtoolAsync(params string[] arguments)
        {
            var (exitCode, output, error) = await Repository.RunAsync("/usr/bin/amtool",
                [$"--alertmanager.url={address}", $"--http.config.file={httpConfig}", .. arguments]);
            Assert.True(exitCode == 0, $"amtool {string.Join(' ', arguments)} (Debian's prometheus-alertmanager: ./scripts/test.sh installs it): {output}{error}");
            return output;
        }

        await AmtoolAsync("alert", "add", "alertname=DiskFull", "severity=critical", "instance=db-1", "--annotation=summary=disk full on db-1");
        await Eventually.HoldsAsync(() => Task.FromResult(routes.Sink.AccountedFor("ops@example.com").Alerts == 1), Patience, "amtool's alert to be mailed");

        var silence = (await AmtoolAsync("silence", "add", "alertname=DiskFull", "--comment=replacing the disk", "--author=on-call", "--duration=1h")).Trim();
        Assert.True(Guid.TryParse(silence, out var parsed) && parsed != Guid.Empty, $"amtool silence add printed '{silence}'");
        Assert.Contains(silence, await AmtoolAsync("silence", "query"), StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(5)); // every consumer honours a new silence within 5 s
        await AmtoolAsync("alert", "add", "alertname=DiskFull", "severity=critical", "instance=db-2");
        await AmtoolAsync("alert", "add", "alertname=NodeDown", "severity=critical", "instance=db-2");
        await Eventually.HoldsAsync(() => Task.FromResult(routes.Sink.AccountedFor("ops@example.com").Alerts == 2), Patience, "the alert no silence matches to be mailed");
        await routes.Broker.WaitUntilSettledAsync("critical", "critical.digest");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(2, routes.Sink.AccountedFor("ops@example.com").Alerts); // DiskFull on db-2 was silenced

        await AmtoolAsync("silence", "expire", silence);
        Assert.DoesNotContain(silence, await AmtoolAsync("silence", "query"), StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(5));
        await AmtoolAsync("alert", "add", "alertname=DiskFull", "severity=critical", "instance=db-3");
        await Eventually.HoldsAsync(() => Task.FromResult(routes.Sink.AccountedFor("ops@example.com").Alerts == 3), Patience, "the alert to be mailed once the silence expired");
        File.Delete(httpConfig);
    }

    [Fact]
    public async Task Should_let_the_command_line_expire_a_pending_silence_that_the_api_added_so_that_it_never_starts()
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        var (frontDoor, address) = await Service.StartFrontDoorAsync(virtualHost.Settings);
        await using var _ = frontDoor;
        using var http = Client(address, authenticated: true);
        var startsAt = DateTimeOffset.UtcNow.AddHours(1);

        using var added = await http.PostAsync("/api/v2/silences", Json($$"""
            {"matchers":[{"name":"alertname","value":"db_down","isRegex":false,"isEqual":true}],
             "startsAt":"{{startsAt:O}}","endsAt":"{{startsAt.AddHours(2):O}}","createdBy":"on-call","comment":"tonight's maintenance"}
            """));
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var id = JsonDocument.Parse(await added.Content.ReadAsStringAsync()).RootElement.GetProperty("silenceID").GetString()!;
        Assert.Equal("pending", await StateAsync());

        await using var expired = await Service.SilenceAsync(virtualHost.Settings, "expire", id);

        Assert.True(expired.ExitCode == 0, expired.ToString());
        Assert.Equal($"expired silence {id}", Assert.Single(expired.StandardOutput));
        using var silence = JsonDocument.Parse(await http.GetStringAsync($"/api/v2/silence/{id}"));
        Assert.Equal("expired", silence.RootElement.GetProperty("status").GetProperty("state").GetString());
        Assert.True(silence.RootElement.GetProperty("startsAt").GetDateTimeOffset() <= silence.RootElement.GetProperty("endsAt").GetDateTimeOffset(),
            silence.RootElement.ToString());
        Assert.True(silence.RootElement.GetProperty("endsAt").GetDateTimeOffset() < startsAt, "it ended before it was due to start");
        await using var listed = await Service.SilenceAsync(virtualHost.Settings, "list", "--expired");
        Assert.Contains(listed.StandardOutput, line => line.StartsWith(id, StringComparison.Ordinal) && line.Contains("expired", StringComparison.Ordinal));

        async Task<string?> StateAsync()
        {
            using var found = JsonDocument.Parse(await http.GetStringAsync($"/api/v2/silence/{id}"));
            return found.RootElement.GetProperty("status").GetProperty("state").GetString();
        }
    }

    [Fact]
    public async Task Should_publish_a_simple_alert_with_basic_authentication_and_answer_with_its_id()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical");
        var (frontDoor, address) = await Service.StartFrontDoorAsync(routes.Broker.Settings, ("FrontDoor__Username", "grafana"), ("FrontDoor__Password", "s3cret"));
        await using var _ = frontDoor;
        using var http = Client(address, authenticated: false);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("grafana:s3cret")));

        using var posted = await http.PostAsync("/api/alerts", Json("""{"routingKey": "critical.db_down", "text": "database down", "source": "cron"}"""));

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        using var answer = JsonDocument.Parse(await posted.Content.ReadAsStringAsync());
        var id = answer.RootElement.GetProperty("ids")[0].GetString();
        var mail = Assert.Single(await routes.Sink.WaitForAsync(1, Patience));
        Assert.Equal(id, mail.Headers["X-Alert-Id"]);
        Assert.Contains("database down", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_refuse_bad_input_and_strangers_with_a_clear_4xx_publish_nothing_and_go_on()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical");
        var (frontDoor, address) = await Service.StartFrontDoorAsync(routes.Broker.Settings);
        await using var _ = frontDoor;
        using var http = Client(address, authenticated: false);
        var many = "[" + string.Join(",", Enumerable.Repeat("""{"labels": {"alertname": "Many", "severity": "critical"}}""", 10_000)) + "]";
        var cases = new (string Name, HttpRequestMessage Request, HttpStatusCode Status, string Says)[]
        {
            ("not JSON", Post("/api/v2/alerts", "alerts, please"), HttpStatusCode.BadRequest, "is not an array of alerts"),
            ("wrong shape", Post("/api/v2/alerts", """{"labels": {"alertname": "One"}}"""), HttpStatusCode.BadRequest, "is not an array of alerts"),
            ("no alertname", Post("/api/v2/alerts", """[{"labels": {"alertname": "Ok"}}, {"labels": {"severity": "critical"}}]"""), HttpStatusCode.BadRequest, "alert 1: an alert has no alertname label"),
            ("a label that makes no type", Post("/api/v2/alerts", """[{"labels": {"alertname": "日本"}}]"""), HttpStatusCode.BadRequest, "alertname '日本' makes no alert type"),
            ("a bad routing key", Post("/api/alerts", """{"routingKey": "urgent.db", "text": "x"}"""), HttpStatusCode.BadRequest, "alert 0:"),
            ("10 MB", Post("/api/v2/alerts", "[" + new string(' ', 10 * 1024 * 1024) + "]"), HttpStatusCode.RequestEntityTooLarge, "too large"),
            ("10,000 alerts", Post("/api/v2/alerts", many), HttpStatusCode.RequestEntityTooLarge, "10000 alerts in one request; at most 1000"),
            ("no authentication", Post("/api/alerts", """{"routingKey": "critical.db", "text": "x"}""", token: null), HttpStatusCode.Unauthorized, "bearer token or basic"),
            ("a wrong token", Post("/api/alerts", """{"routingKey": "critical.db", "text": "x"}""", token: "guess"), HttpStatusCode.Unauthorized, "bearer token or basic"),
        };

        foreach (var (name, request, status, says) in cases)
        {
            using var answer = await http.SendAsync(request);
            var body = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == status, $"{name}: {(int)answer.StatusCode} {body}");
            Assert.True(body.Contains(says, StringComparison.OrdinalIgnoreCase), $"{name}: {body}");
            Assert.StartsWith("{\"error\":", body, StringComparison.Ordinal);
        }

        using var good = await http.SendAsync(Post("/api/alerts", """{"routingKey": "critical.db_down", "text": "after all that"}"""));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        var mail = Assert.Single(await routes.Sink.WaitForAsync(1, Patience));
        Assert.Contains("after all that", mail.TextBody, StringComparison.Ordinal);
        await routes.Broker.WaitUntilSettledAsync("critical");
        Assert.Single(routes.Sink.Accepted); // nothing of the refused requests was published
        Assert.False(frontDoor.HasExited);

        static HttpRequestMessage Post(string path, string body, string? token = Service.FrontDoorToken) => new(HttpMethod.Post, path)
        {
            Content = Json(body),
            // As curl does for a large body: the server can refuse it before it is sent.
            Headers = { Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token), ExpectContinue = true },
        };
    }

    [Fact]
    public async Task Should_answer_503_while_the_broker_is_down_and_take_the_same_request_once_it_is_back()
    {
        await using var ownBroker = await Broker.StartPrivateAsync();
        await using var routes = await RunningRoutes.StartAsync(ownBroker, "critical");
        var (frontDoor, address) = await Service.StartFrontDoorAsync(routes.Broker.Settings);
        await using var _ = frontDoor;
        using var http = Client(address);
        const string Alert = """[{"labels": {"alertname": "DiskFull", "severity": "critical", "instance": "db-1"}, "startsAt": "2026-11-26T12:00:00Z"}]""";

        await ownBroker.StopAsync();
        using (var refused = await http.PostAsync("/api/v2/alerts", Json(Alert)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("did not confirm", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await ownBroker.StartAgainAsync();
        await Eventually.HoldsAsync(async () =>
        {
            using var retried = await http.PostAsync("/api/v2/alerts", Json(Alert));
            return retried.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(60), "the front door to take the alert once the broker is back");

        var mail = Assert.Single(await routes.Sink.WaitForAsync(1, Patience));
        Assert.Equal("critical.disk_full", mail.Headers["X-Alert-Routing-Key"]);
    }

    [Theory]
    [InlineData("", "false", "http://127.0.0.1:9093", "FrontDoor needs a BearerToken or a Username and Password")]
    [InlineData("", "true", "http://+:9093", "FrontDoor:AllowAnonymousOnLoopback needs every address in Urls on loopback")]
    public async Task Should_refuse_to_start_open_to_anyone(string token, string anonymous, string urls, string says)
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        var settings = new Dictionary<string, string>(virtualHost.Settings)
        {
            ["FrontDoor__BearerToken"] = token,
            ["FrontDoor__AllowAnonymousOnLoopback"] = anonymous,
            ["Urls"] = urls,
        };

        await using var serve = await Service.ProduceAsync(settings, "serve");

        Assert.Equal(2, serve.ExitCode);
        Assert.Contains(serve.StandardError, line => line.Contains(says, StringComparison.Ordinal));
    }

    static HttpClient Client(Uri address, bool authenticated = true) => new()
    {
        BaseAddress = address,
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = authenticated ? new AuthenticationHeaderValue("Bearer", Service.FrontDoorToken) : null },
    };

    static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
