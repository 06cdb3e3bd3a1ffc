using System.Text.Json;
using System.Text.Json.Nodes;
using Alerts.Consumer.Admission;
using Alerts.Consumer.Aggregation;
using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Webhooks;
using Alerts.Contracts;
using Alerts.Tests.Support;
using Alerts.TestSupport;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using SmtpServer.Protocol;

namespace Alerts.Tests;

/// <summary>A route with mail and a webhook: Alertmanager's payload field by field, and each receiver delivered, retried and parked on its own.</summary>
public sealed class When_a_route_has_a_webhook : IAsyncLifetime
{
    const string Group = "{severity=\"critical\", type=\"rate_limit\", source=\"api-gateway\"}";
    static readonly DateTimeOffset OccurredAt = new(2026, 12, 1, 3, 4, 5, TimeSpan.Zero);

    SmtpSink _mail = null!;
    WebhookSink _webhook = null!;

    public async Task InitializeAsync()
    {
        _mail = await SmtpSink.StartAsync();
        _webhook = await WebhookSink.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _webhook.DisposeAsync();
        await _mail.DisposeAsync();
    }

    Task<ServiceProvider> StartAsync(params (string Key, string? Value)[] settings) => ConsumerHarness.StartAsync(_mail,
    [
        .. new (string Key, string? Value)[]
        {
            ("Alerts:Routes:critical:Webhooks:0:Url", _webhook.UrlOf("alerts")),
            ("Alerts:ExternalUrl", "https://alerts.example.com"),
        }.Where(setting => settings.All(given => given.Key != setting.Key)),
        .. settings,
    ]);

    static Alert BookAlert(string text = "Hacker at 10k req/s") => new()
    {
        Id = Guid.NewGuid(), Severity = Severity.Critical, Type = "rate_limit", Text = text, Source = "api-gateway", OccurredAt = OccurredAt,
    };

    [Fact]
    public async Task Should_post_an_alert_of_the_books_clients_in_alertmanagers_format_field_by_field()
    {
        await using var provider = await StartAsync();

        await provider.GetRequiredService<ITestHarness>().SendToCriticalAsync(BookAlert());

        await _webhook.WaitForAsync(1, TimeSpan.FromSeconds(10));
        var post = Assert.Single(_webhook.Posts);
        Assert.Equal("alerts", post.Path);
        Assert.Equal("application/json", post.ContentType);
        var payload = post.Json;
        Assert.Equal("4", (string?)payload["version"]);
        Assert.Equal("firing", (string?)payload["status"]);
        Assert.Equal("critical", (string?)payload["receiver"]);
        Assert.Equal("https://alerts.example.com", (string?)payload["externalURL"]);
        Assert.Equal(0, (long?)payload["truncatedAlerts"]);
        Assert.Equal($"{{}}/{{route=\"critical\"}}:{Group}", (string?)payload["groupKey"]);
        Assert.Equal(Map(("severity", "critical"), ("type", "rate_limit"), ("source", "api-gateway")), Map(payload["groupLabels"]));
        var labels = Map(("alertname", "rate_limit"), ("severity", "critical"), ("instance", "api-gateway"));
        Assert.Equal(labels, Map(payload["commonLabels"]));
        Assert.Equal(Map(("summary", "Hacker at 10k req/s")), Map(payload["commonAnnotations"]));
        var alert = Assert.Single(payload["alerts"]!.AsArray())!;
        Assert.Equal("firing", (string?)alert["status"]);
        Assert.Equal(labels, Map(alert["labels"]));
        Assert.Equal(Map(("summary", "Hacker at 10k req/s")), Map(alert["annotations"]));
        Assert.Equal(OccurredAt, DateTimeOffset.Parse((string)alert["startsAt"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.StartsWith("0001-01-01T00:00:00", (string?)alert["endsAt"], StringComparison.Ordinal);
        Assert.Equal("", (string?)alert["generatorURL"]);
        Assert.Equal(AlertLabels.Fingerprint(labels), (string?)alert["fingerprint"]);
        Assert.Matches("^[0-9a-f]{16}$", (string?)alert["fingerprint"]);
        Assert.Single(await _mail.WaitForAsync(1, TimeSpan.FromSeconds(10))); // and the team's mail, as before
    }

    [Fact]
    public void Should_fingerprint_labels_as_prometheus_does()
    {
        // Prometheus's model.LabelSet{"alertname": "HighRequestRate", "job": "api"}.Fingerprint(), FNV-1a 64 over sorted pairs.
        Assert.Equal(AlertLabels.Fingerprint(Map(("job", "api"), ("alertname", "HighRequestRate"))),
            AlertLabels.Fingerprint(Map(("alertname", "HighRequestRate"), ("job", "api"))));
        Assert.Equal("cbf29ce484222325", AlertLabels.Fingerprint(new Dictionary<string, string>())); // FNV-1a's offset basis: the empty label set
        Assert.NotEqual(AlertLabels.Fingerprint(Map(("a", "bc"))), AlertLabels.Fingerprint(Map(("ab", "c"))));
    }

    [Fact]
    public void Should_fingerprint_long_and_non_ascii_labels_by_their_utf8_bytes()
    {
        // Values longer than the hash's stack buffer, and characters of two to four UTF-8 bytes, against the definition itself.
        var labels = Map(("alertname", "Überlast"), ("summary", new string('x', 300) + "🔥"), ("zone", "東京"));
        Assert.Equal(Reference(labels), AlertLabels.Fingerprint(labels));

        static string Reference(Dictionary<string, string> labels)
        {
            var hash = 14695981039346656037UL;
            foreach (var part in labels.OrderBy(label => label.Key, StringComparer.Ordinal).SelectMany(label => new[] { label.Key, label.Value }))
            {
                foreach (var b in System.Text.Encoding.UTF8.GetBytes(part).Append((byte)0xff))
                {
                    hash = (hash ^ b) * 1099511628211;
                }
            }

            return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public async Task Should_keep_the_labels_annotations_and_times_an_alert_came_with()
    {
        await using var provider = await StartAsync();
        var endsAt = OccurredAt.AddMinutes(5);
        var alert = BookAlert("HighRequestRate resolved") with
        {
            Labels = new Dictionary<string, string> { ["alertname"] = "HighRequestRate", ["severity"] = "critical", ["job"] = "api" },
            Annotations = new Dictionary<string, string> { ["summary"] = "HighRequestRate resolved", ["runbook_url"] = "https://runbooks/x" },
            GeneratorUrl = "http://prometheus:9090/graph?g0.expr=up",
            EndsAt = endsAt,
            Resolved = true,
        };

        await provider.GetRequiredService<ITestHarness>().SendToCriticalAsync(alert);

        await _webhook.WaitForAsync(1, TimeSpan.FromSeconds(10));
        var payload = Assert.Single(_webhook.Posts).Json;
        Assert.Equal("resolved", (string?)payload["status"]);
        var posted = payload["alerts"]![0]!;
        Assert.Equal("resolved", (string?)posted["status"]);
        Assert.Equal(Map(("alertname", "HighRequestRate"), ("severity", "critical"), ("job", "api")), Map(posted["labels"]));
        Assert.Equal("https://runbooks/x", (string?)posted["annotations"]!["runbook_url"]);
        Assert.Equal("http://prometheus:9090/graph?g0.expr=up", (string?)posted["generatorURL"]);
        Assert.Equal(endsAt, DateTimeOffset.Parse((string)posted["endsAt"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Should_post_no_resolution_when_the_route_does_not_send_resolved()
    {
        await using var provider = await StartAsync(("Alerts:Routes:critical:SendResolved", "false"));
        var harness = provider.GetRequiredService<ITestHarness>();

        await harness.SendToCriticalAsync(BookAlert("resolved") with { Resolved = true });
        await harness.SendToCriticalAsync(BookAlert("still firing"));

        await _webhook.WaitForAsync(1, TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        Assert.Equal(["still firing"], _webhook.Posts.Select(post => (string?)post.Json["alerts"]![0]!["annotations"]!["summary"]));
    }

    [Fact]
    public async Task Should_list_at_most_max_alerts_of_a_digest_and_count_the_rest_as_the_mail_does()
    {
        await using var provider = await StartAsync(("Alerts:Routes:critical:Webhooks:0:MaxAlerts", "20"));

        await provider.GetRequiredService<ITestHarness>().SendToCriticalDigestsAsync(Digest(25, listed: 20));

        await _webhook.WaitForAsync(1, TimeSpan.FromSeconds(10));
        var payload = Assert.Single(_webhook.Posts).Json;
        var mail = Assert.Single(await _mail.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal(20, payload["alerts"]!.AsArray().Count);
        Assert.Equal(5, (long?)payload["truncatedAlerts"]);
        Assert.Equal(mail.Headers["X-Alert-Count"], (payload["alerts"]!.AsArray().Count + (long)payload["truncatedAlerts"]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Map(("alertname", "rate_limit"), ("severity", "critical"), ("instance", "api-gateway")), Map(payload["commonLabels"]));
        Assert.Empty(Map(payload["commonAnnotations"])); // every text differs
    }

    [Fact]
    public void Should_keep_the_payload_of_any_storm_under_64_KB_at_the_defaults()
    {
        var summary = new GroupSummary();
        for (var i = 0; i < 10_000; i++)
        {
            var tally = new AlertTally { Group = Group };
            tally.Add(Admitted($"{new string('x', 60_000)} {i}", source: $"host-{i}"), OccurredAt, listed: new WebhookOptions().MaxAlerts);
            summary.Add(tally, 0);
        }

        var payload = JsonSerializer.SerializeToUtf8Bytes(AlertmanagerMessage.From(CriticalRoute(), new Notification(Group, summary), new WebhookOptions().MaxAlerts, ""));

        Assert.InRange(payload.Length, 1, 64 * 1024);
        Assert.Equal(9_980, (long?)JsonNode.Parse(payload)!["truncatedAlerts"]);
    }

    [Fact]
    public async Task Should_post_the_json_of_slack_incoming_webhooks_with_alert_text_as_text()
    {
        await using var provider = await StartAsync(("Alerts:Routes:critical:Webhooks:0:Format", "Slack"));

        await provider.GetRequiredService<ITestHarness>().SendToCriticalAsync(BookAlert("<!channel> <script>alert(1)</script>"));

        await _webhook.WaitForAsync(1, TimeSpan.FromSeconds(10));
        var payload = Assert.Single(_webhook.Posts).Json.AsObject();
        Assert.Equal(["text"], payload.Select(field => field.Key));
        var text = (string)payload["text"]!;
        Assert.StartsWith("*[FIRING:1] critical*", text, StringComparison.Ordinal);
        Assert.Contains("&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; (api-gateway)", text, StringComparison.Ordinal);
        Assert.Contains("<https://alerts.example.com|Open the alerts>", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BearerToken", "s3cret", null, "Bearer s3cret")]
    [InlineData("Username", "relay", "pa55", "Basic cmVsYXk6cGE1NQ==")]
    public async Task Should_authenticate_as_configured(string setting, string value, string? password, string header)
    {
        await using var provider = await StartAsync(
            ($"Alerts:Routes:critical:Webhooks:0:{setting}", value), ("Alerts:Routes:critical:Webhooks:0:Password", password));

        await provider.GetRequiredService<ITestHarness>().SendToCriticalAsync(BookAlert());

        await _webhook.WaitForAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal(header, Assert.Single(_webhook.Posts).Authorization);
    }

    [Fact]
    public async Task Should_retry_a_webhook_that_answers_500_without_mailing_the_team_again()
    {
        _webhook.AnswerNext(500, 503);
        await using var provider = await StartAsync();

        await provider.GetRequiredService<ITestHarness>().SendToCriticalAsync(BookAlert());

        await _webhook.WaitForAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal([500, 503, 200], _webhook.Posts.Select(post => post.Status));
        Assert.Single(await _mail.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        await Task.Delay(300);
        Assert.Equal(1, _mail.AcceptedCount);
        Assert.Empty(provider.GetRequiredService<ErrorQueues>().All);
    }

    [Fact]
    public async Task Should_not_hold_back_the_webhook_while_the_mail_server_is_down_and_park_for_the_mail_alone()
    {
        _mail.RefuseWith = (SmtpReplyCode)451;
        await using var provider = await StartAsync();

        await provider.GetRequiredService<ITestHarness>().SendToCriticalAsync(BookAlert());

        var parked = await provider.GetRequiredService<ErrorQueues>().WaitForOneAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, _webhook.AcceptedCount);
        Assert.Single(_webhook.Posts); // posted once, not once per mail attempt
        Assert.Equal(3, _mail.Refused);
        Assert.Equal("webhook-0", parked.Notified); // replay mails it, and does not post it again
    }

    [Fact]
    public async Task Should_park_at_once_what_the_webhook_refuses_for_good_with_its_answer()
    {
        _webhook.AnswerNext(400);
        await using var provider = await StartAsync();

        await provider.GetRequiredService<ITestHarness>().SendToCriticalAsync(BookAlert());

        var parked = await provider.GetRequiredService<ErrorQueues>().WaitForOneAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(typeof(HttpRequestException).FullName, parked.ExceptionType); // as for mail, the innermost exception
        Assert.Contains($"webhook-0 (http://127.0.0.1:{_webhook.Port}) answered 400 Bad Request: answered 400 by the test", parked.Reason, StringComparison.Ordinal);
        Assert.Single(_webhook.Posts); // refused for good: not retried
        Assert.Equal("email", parked.Notified);
        Assert.Equal(1, _mail.AcceptedCount);
    }

    [Fact]
    public async Task Should_retry_then_park_a_webhook_that_cannot_be_reached()
    {
        var closed = FreePort.OnLoopback();
        await using var provider = await StartAsync(("Alerts:Routes:critical:Webhooks:0:Url", $"http://127.0.0.1:{closed}/alerts?token=secret"));

        await provider.GetRequiredService<ITestHarness>().SendToCriticalAsync(BookAlert());

        var parked = await provider.GetRequiredService<ErrorQueues>().WaitForOneAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(typeof(HttpRequestException).FullName, parked.ExceptionType);
        Assert.Contains($"webhook-0 (http://127.0.0.1:{closed}) could not be reached: Connection refused", parked.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", parked.Reason, StringComparison.Ordinal);
        Assert.Equal(1, _mail.AcceptedCount);
    }

    [Fact]
    public async Task Should_give_up_on_a_webhook_that_hangs_after_its_timeout_and_park_it_after_the_retries()
    {
        _webhook.Hang = TimeSpan.FromSeconds(30);
        await using var provider = await StartAsync(("Alerts:Routes:critical:Webhooks:0:Timeout", "00:00:00.200"));

        await provider.GetRequiredService<ITestHarness>().SendToCriticalAsync(BookAlert());

        var parked = await provider.GetRequiredService<ErrorQueues>().WaitForOneAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(typeof(TimeoutException).FullName, parked.ExceptionType);
        Assert.Contains("did not answer within 0.2 s", parked.Reason, StringComparison.Ordinal);
        Assert.Equal(1, _mail.AcceptedCount);
    }

    static Route CriticalRoute() => new("critical", new RouteOptions { Queue = "critical", Webhooks = [new WebhookOptions()] }, new RouteTopology("critical", ["critical.*"], Quorum: true));

    static AdmittedAlert Admitted(string text, string source = "api-gateway") =>
        new AdmittedAlert(Guid.NewGuid(), RoutingKey.Parse("critical.rate_limit"), text, source, OccurredAt) { Group = Group };

    static Notification Digest(int alerts, int listed)
    {
        var tally = new AlertTally { Group = Group };
        for (var i = 0; i < alerts; i++)
        {
            tally.Add(Admitted($"Hacker at {i}0k req/s"), OccurredAt, listed);
        }

        var summary = new GroupSummary();
        for (var index = 0; index < tally.Alerts.Count; index++)
        {
            summary.Add(tally, index);
        }

        return new Notification(Group, summary);
    }

    static Dictionary<string, string> Map(params (string Name, string Value)[] pairs) => pairs.ToDictionary(pair => pair.Name, pair => pair.Value);

    static Dictionary<string, string> Map(JsonNode? node) => node!.AsObject().ToDictionary(pair => pair.Key, pair => (string)pair.Value!);
}
