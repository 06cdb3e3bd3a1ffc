using System.Text.Json;
using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

[Collection(UsesBroker.Name)]
public sealed class When_the_books_alerts_are_published(Broker broker)
{
    const string Operations = "ops@example.com";
    const string ApiTeam = "api@example.com";

    public static TheoryData<string, string[]> Matrix => new()
    {
        { "critical.mywebapp", [Operations] },
        { "critical.rate_limit", [Operations, ApiTeam] },
        { "warning.rate_limit", [ApiTeam] },
        { "info.mywebapp", [] },
    };

    [Fact]
    public async Task Should_mail_each_team_exactly_what_the_routing_matrix_says()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical", "rate_limit");
        var expected = new List<(Guid Id, string To)>();

        foreach (var (routingKey, teams) in Matrix.Select(row => ((string)row[0], (string[])row[1])))
        {
            await using var producer = await Service.ProduceAsync(routes.Broker.Settings, "-r", routingKey, "-m", $"test of {routingKey}", "--source", "matrix-test");
            Assert.True(producer.ExitCode == 0, producer.ToString());
            var sent = Assert.Single(producer.StandardOutput);
            Assert.StartsWith($"sent {routingKey} ", sent, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(sent[$"sent {routingKey} ".Length..]);
            expected.AddRange(teams.Select(team => (json.RootElement.GetProperty("id").GetGuid(), team)));
        }

        await routes.Sink.WaitForAsync(expected.Count, TimeSpan.FromSeconds(30));
        await routes.Broker.WaitUntilSettledAsync("critical", "rate_limit");

        var mailed = routes.Sink.Accepted
            .SelectMany(mail => mail.To.Mailboxes.Select(to => (Guid.Parse(mail.Headers["X-Alert-Id"] ?? ""), to.Address)))
            .Order()
            .ToList();
        Assert.Equal(expected.Order(), mailed);
    }
}
