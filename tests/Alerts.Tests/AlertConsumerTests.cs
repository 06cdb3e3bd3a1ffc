using Alerts.Consumer.Admission;
using Alerts.Consumer.Intake;
using Alerts.Contracts;
using Alerts.Tests.Support;
using Alerts.TestSupport;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using SmtpServer.Protocol;

namespace Alerts.Tests;

public sealed class When_an_alert_reaches_its_route : IAsyncLifetime
{
    SmtpSink _sink = null!;

    public async Task InitializeAsync() => _sink = await SmtpSink.StartAsync();

    public async Task DisposeAsync() => await _sink.DisposeAsync();

    static Alert CriticalAlert(string text = "Hacker at 10k req/s") =>
        Alert.Create(RoutingKey.Parse("critical.rate_limit"), text, "api-gateway", DateTimeOffset.UtcNow);

    [Fact]
    public async Task Should_mail_the_route_team_and_complete()
    {
        await using var provider = await ConsumerHarness.StartAsync(_sink);
        var harness = provider.GetRequiredService<ITestHarness>();
        var alert = CriticalAlert();

        await harness.SendToCriticalAsync(alert);

        Assert.True(await harness.MailedAsync(alert));
        var mail = Assert.Single(await _sink.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal("ops@example.com", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal("CRITICAL ALERT", mail.Subject);
        Assert.Equal(alert.Id.ToString(), mail.Headers["X-Alert-Id"]);
        Assert.Equal("critical.rate_limit", mail.Headers["X-Alert-Routing-Key"]);
        Assert.Contains("Hacker at 10k req/s", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("api-gateway", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_mail_each_alert_of_a_route_that_does_not_group_alone_with_its_count_and_group()
    {
        await using var provider = await ConsumerHarness.StartAsync(_sink); // the harness's critical route does not group
        var harness = provider.GetRequiredService<ITestHarness>();

        for (var i = 0; i < 3; i++)
        {
            await harness.SendToCriticalAsync(CriticalAlert());
        }

        var mails = await _sink.WaitForAsync(3, TimeSpan.FromSeconds(10));
        Assert.All(mails, mail => Assert.Equal("1", mail.Headers["X-Alert-Count"]));
        Assert.All(mails, mail => Assert.Equal("{severity=\"critical\", type=\"rate_limit\", source=\"api-gateway\"}", mail.Headers["X-Alert-Group"]));
    }

    [Fact]
    public async Task Should_mail_each_alert_of_a_batch_alone_under_the_batch_routing_key()
    {
        await using var provider = await ConsumerHarness.StartAsync(_sink);
        var harness = provider.GetRequiredService<ITestHarness>();
        var key = RoutingKey.Parse("critical.db");
        var alerts = Enumerable.Range(0, 3).Select(i => CriticalAlert($"alert {i}")).ToList(); // their bodies say critical.rate_limit

        var endpoint = await harness.Bus.GetSendEndpoint(new Uri("queue:critical"));
        await endpoint.Send(new AlertBatch(key, alerts), context => context.SetRoutingKey(key.ToString()));

        var mails = await _sink.WaitForAsync(3, TimeSpan.FromSeconds(10));
        Assert.Equal(alerts.Select(alert => alert.Id.ToString()).Order(), mails.Select(mail => mail.Headers["X-Alert-Id"]).Order());
        Assert.All(mails, mail => Assert.Equal("critical.db", mail.Headers["X-Alert-Routing-Key"]));
        foreach (var alert in alerts)
        {
            Assert.True(await harness.MailedAsync(alert));
        }
    }

    [Fact]
    public async Task Should_reuse_one_smtp_connection_for_many_alerts()
    {
        // One alert at a time, so a second connection could only come from not reusing the first.
        await using var provider = await ConsumerHarness.StartAsync(_sink, ("Alerts:ConcurrentMessageLimit", "1"));
        var harness = provider.GetRequiredService<ITestHarness>();

        for (var i = 0; i < 5; i++)
        {
            await harness.SendToCriticalAsync(CriticalAlert($"alert {i}"));
        }

        await _sink.WaitForAsync(5, TimeSpan.FromSeconds(10));
        Assert.Equal(1, _sink.MailingSessions);
    }

    [Fact]
    public async Task Should_keep_hostile_text_out_of_the_headers()
    {
        await using var provider = await ConsumerHarness.StartAsync(_sink);
        var harness = provider.GetRequiredService<ITestHarness>();
        var hostile = "line one\r\nBcc: thief@example.net\r\nSubject: hijacked\r\n\r\n.\r\nMAIL FROM:<x@y>";
        var alert = CriticalAlert(hostile) with { Source = "src\r\nCc: thief@example.net", Type = "rate_limit" };

        await harness.SendToCriticalAsync(alert);

        var mail = Assert.Single(await _sink.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal(["ops@example.com"], mail.GetRecipients().Select(address => address.Address));
        Assert.Equal(["ops@example.com"], _sink.EnvelopeRecipients); // nobody else was sent a copy, Bcc or not
        Assert.Equal("CRITICAL ALERT", mail.Subject);
        Assert.Null(mail.Headers["Bcc"]);
        Assert.Null(mail.Headers["Cc"]);
        Assert.Contains("Bcc: thief@example.net", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("MAIL FROM:<x@y>", mail.TextBody, StringComparison.Ordinal);
    }
}

public sealed class When_the_mail_server_refuses : IAsyncLifetime
{
    SmtpSink _sink = null!;

    public async Task InitializeAsync() => _sink = await SmtpSink.StartAsync();

    public async Task DisposeAsync() => await _sink.DisposeAsync();

    [Fact]
    public async Task Should_retry_a_transient_refusal_then_park_the_alert_in_the_error_queue()
    {
        _sink.RefuseWith = (SmtpReplyCode)451;
        await using var provider = await ConsumerHarness.StartAsync(_sink);
        var harness = provider.GetRequiredService<ITestHarness>();
        var alert = Alert.Create(RoutingKey.Parse("critical.db"), "database down", null, DateTimeOffset.UtcNow);

        await harness.SendToCriticalAsync(alert);

        var parked = await provider.GetRequiredService<ErrorQueues>().WaitForOneAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(alert.Id, ((Alert)parked.Message).Id);
        Assert.Contains("refused by the test", parked.Reason, StringComparison.Ordinal);
        Assert.Equal(3, _sink.Refused); // the first attempt and Alerts:Retry:Limit = 2 retries
        Assert.Empty(_sink.Accepted);
    }

    [Fact]
    public async Task Should_park_at_once_on_a_permanent_refusal()
    {
        _sink.RefuseWith = SmtpReplyCode.TransactionFailed;
        await using var provider = await ConsumerHarness.StartAsync(_sink);
        var harness = provider.GetRequiredService<ITestHarness>();

        await harness.SendToCriticalAsync(Alert.Create(RoutingKey.Parse("critical.db"), "database down", null, DateTimeOffset.UtcNow));

        var parked = await provider.GetRequiredService<ErrorQueues>().WaitForOneAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("refused by the test", parked.Reason, StringComparison.Ordinal);
        Assert.Equal(1, _sink.Refused);
    }

    [Fact]
    public async Task Should_mail_once_the_server_accepts_again_within_the_retries()
    {
        _sink.RefuseWith = (SmtpReplyCode)451;
        await using var provider = await ConsumerHarness.StartAsync(_sink, ("Alerts:Retry:Limit", "20"));
        var harness = provider.GetRequiredService<ITestHarness>();

        var alert = Alert.Create(RoutingKey.Parse("critical.db"), "database down", null, DateTimeOffset.UtcNow);
        await harness.SendToCriticalAsync(alert);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_sink.Refused == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.True(_sink.Refused > 0, "the mail server refused the first attempt");
        _sink.RefuseWith = null;

        Assert.Single(await _sink.WaitForAsync(1, TimeSpan.FromSeconds(10)));
        await harness.InactivityTask; // every delivery settled, so an alert parked late would be seen
        Assert.Empty(provider.GetRequiredService<ErrorQueues>().All);
    }
}

public sealed class When_an_alert_is_malformed : IAsyncLifetime
{
    SmtpSink _sink = null!;

    public async Task InitializeAsync() => _sink = await SmtpSink.StartAsync();

    public async Task DisposeAsync() => await _sink.DisposeAsync();

    public static TheoryData<string, Alert> MalformedAlerts => new()
    {
        { "the alert has no text", new Alert { Severity = Severity.Critical, Type = "db", Text = " " } },
        { "no valid severity and type", new Alert { Text = "who am I?" } },
        { "at most 100 are mailed", new Alert { Severity = Severity.Critical, Type = "db", Text = new string('x', 101) } },
    };

    [Theory]
    [MemberData(nameof(MalformedAlerts))]
    public async Task Should_park_at_once_without_mailing(string reason, Alert alert)
    {
        await using var provider = await ConsumerHarness.StartAsync(_sink, ("Alerts:MaxTextLength", "100"));
        var harness = provider.GetRequiredService<ITestHarness>();

        await harness.SendToCriticalAsync(alert);

        var parked = await provider.GetRequiredService<ErrorQueues>().WaitForOneAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(typeof(InvalidAlertException).FullName, parked.ExceptionType);
        Assert.Contains(reason, parked.Reason, StringComparison.Ordinal);
        Assert.Equal(1, await harness.GetConsumerHarness<AlertConsumer>().Consumed.SelectAsync<Alert>().Count()); // never retried
        Assert.Equal(0, _sink.MailingSessions);
    }
}
