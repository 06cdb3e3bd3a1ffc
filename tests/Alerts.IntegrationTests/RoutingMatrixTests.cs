using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

[Collection(UsesBroker.Name)]
public sealed class When_the_books_alerts_are_published(Broker broker)
{
    const string Operations = "ops@example.com";
    const string ApiTeam = "api@example.com";

    /// <summary>The routing matrix of MISSION.md: routing key, and who gets a mail.</summary>
    static readonly (string RoutingKey, string[] Teams)[] Matrix =
    [
        ("critical.mywebapp", [Operations]),
        ("critical.rate_limit", [Operations, ApiTeam]),
        ("warning.rate_limit", [ApiTeam]),
        ("info.mywebapp", []),
    ];

    public enum Publisher
    {
        ProducerCommandLine,
        PlainJsonObjectFromAnotherClient,
        BooksBareStringFromAnotherClient,
    }

    [Theory]
    [InlineData(Publisher.ProducerCommandLine)]
    [InlineData(Publisher.PlainJsonObjectFromAnotherClient)]
    [InlineData(Publisher.BooksBareStringFromAnotherClient)]
    public async Task Should_mail_each_team_exactly_what_the_routing_matrix_says(Publisher publisher)
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical", "rate_limit");
        var expected = new List<(string Text, string To)>();

        foreach (var (routingKey, teams) in Matrix)
        {
            var text = $"test of {routingKey} by {publisher}";
            await PublishAsync(routes.Broker, publisher, routingKey, text);
            expected.AddRange(teams.Select(team => (text, team)));
        }

        await routes.Sink.WaitForAsync(expected.Count, TimeSpan.FromSeconds(30));
        await routes.Broker.WaitUntilSettledAsync("critical", "rate_limit");

        var mailed = routes.Sink.Accepted
            .SelectMany(mail => mail.To.Mailboxes.Select(to => (Text: AlertText(mail.TextBody), to.Address)))
            .Order()
            .ToList();
        Assert.Equal(expected.Order(), mailed);
    }

    static async Task PublishAsync(BrokerVirtualHost broker, Publisher publisher, string routingKey, string text)
    {
        switch (publisher)
        {
            case Publisher.ProducerCommandLine:
                await using (var producer = await Service.ProduceAsync(broker.Settings, "-r", routingKey, "-m", text, "--source", "matrix-test"))
                {
                    Assert.True(producer.ExitCode == 0, producer.ToString());
                    Assert.StartsWith($"sent {routingKey} {{", Assert.Single(producer.StandardOutput), StringComparison.Ordinal);
                }

                break;
            case Publisher.PlainJsonObjectFromAnotherClient:
                var (severity, type) = (routingKey.Split('.')[0], routingKey.Split('.')[1]);
                await broker.PublishAsync(routingKey, System.Text.Json.JsonSerializer.Serialize(new { id = Guid.NewGuid(), severity, type, text, source = "amqp-client" }));
                break;
            case Publisher.BooksBareStringFromAnotherClient:
                await broker.PublishAsync(routingKey, System.Text.Json.JsonSerializer.Serialize(text), contentType: null);
                break;
        }
    }

    /// <summary>The alert's text: the mail body's third line, under the heading and a blank line.</summary>
    static string AlertText(string? body) => (body ?? "").ReplaceLineEndings("\n").Split('\n')[2];
}
