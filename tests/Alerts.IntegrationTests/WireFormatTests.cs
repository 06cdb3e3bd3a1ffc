using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

[Collection(UsesBroker.Name)]
public sealed class When_a_client_in_another_language_publishes(Broker broker)
{
    [Fact]
    public async Task Should_mail_the_plain_json_object()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical", "rate_limit");
        var id = Guid.NewGuid();

        await routes.Broker.PublishAsync("critical.rate_limit", $$"""
            {"id":"{{id}}","severity":"critical","type":"rate_limit","text":"Hacker at 10k req/s",
             "source":"python-script","occurredAt":"2026-11-24T18:00:00Z"}
            """);

        var mails = await routes.Sink.WaitForAsync(2, TimeSpan.FromSeconds(30));
        Assert.Equal(["api@example.com", "ops@example.com"], mails.Select(mail => mail.To.Mailboxes.Single().Address).Order());
        Assert.All(mails, mail =>
        {
            Assert.Equal(id.ToString(), mail.Headers["X-Alert-Id"]);
            Assert.Contains("python-script", mail.TextBody, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    public async Task Should_mail_the_books_bare_string_with_severity_and_type_from_the_routing_key(string? contentType)
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "rate_limit");

        await routes.Broker.PublishAsync("warning.rate_limit", "\"Hacker at 10k req/s\"", contentType);

        var mail = Assert.Single(await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("RATE LIMIT ALERT!", mail.Subject);
        Assert.Equal("warning.rate_limit", mail.Headers["X-Alert-Routing-Key"]);
        Assert.Contains("Hacker at 10k req/s", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_take_the_routing_key_over_what_the_body_claims()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical");

        await routes.Broker.PublishAsync("critical.mywebapp", """{"severity":"info","type":"other","text":"disk full"}""");

        var mail = Assert.Single(await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("critical.mywebapp", mail.Headers["X-Alert-Routing-Key"]);
    }

    public static TheoryData<string, string, string?> MalformedBodies => new()
    {
        { "not JSON", "Hacker at 10k req/s", "application/json" },
        { "an array", "[1,2,3]", "application/json" },
        { "an unknown severity", """{"severity":"urgent","type":"db","text":"x"}""", "application/json" },
        { "no text", """{"source":"nothing to say"}""", "application/json" },
        { "an empty body", "", null },
        { "an oversized text", $"\"{new string('x', 70_000)}\"", "application/json" },
        { "an unknown content type", "<alert>x</alert>", "application/xml" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Should_park_what_is_malformed_and_go_on_with_the_next_alert(string what, string body, string? contentType)
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical");

        await routes.Broker.PublishAsync("critical.mywebapp", body, contentType);
        await routes.Broker.PublishAsync("critical.mywebapp", "\"the next alert\"");

        var mail = Assert.Single(await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Contains("the next alert", mail.TextBody, StringComparison.Ordinal);
        await routes.Broker.WaitForMessagesAsync("critical_error", 1);
        var parked = Assert.Single(await routes.Broker.DrainAsync("critical_error"));
        Assert.Equal(body, System.Text.Encoding.UTF8.GetString(parked.Body.Span));
        Assert.True(parked.BasicProperties.Headers?.ContainsKey("MT-Fault-Message"), $"the parked message ({what}) says why");
        Assert.Contains(routes.Consumers.Single().Output, line => line.Contains("Parked", StringComparison.Ordinal));
    }
}

[Collection(UsesBroker.Name)]
public sealed class When_a_masstransit_application_publishes_its_envelope(Broker broker)
{
    [Fact]
    public async Task Should_mail_the_alert_inside_the_envelope()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical");
        var id = Guid.NewGuid();

        // What MassTransit's default serializer puts on the wire for an Alert published to the alerts exchange.
        await routes.Broker.PublishAsync("critical.mywebapp", $$$"""
            {"messageId":"{{{Guid.NewGuid()}}}","messageType":["urn:message:Alerts.Contracts:Alert"],
             "message":{"id":"{{{id}}}","severity":"critical","type":"mywebapp","text":"from an envelope","source":"dotnet-app"},
             "sentTime":"2026-11-24T18:00:00Z","headers":{}}
            """, "application/vnd.masstransit+json");

        var mail = Assert.Single(await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal(id.ToString(), mail.Headers["X-Alert-Id"]);
        Assert.Contains("from an envelope", mail.TextBody, StringComparison.Ordinal);
    }
}
