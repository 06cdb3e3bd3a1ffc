using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

[Collection(UsesBroker.Name)]
public sealed class When_the_producer_is_run_from_the_command_line(Broker broker)
{
    [Theory]
    [InlineData("critical", "x", "not SEVERITY.TYPE")]
    [InlineData("urgent.db", "x", "severity 'urgent'")]
    [InlineData("critical*", "x", "not SEVERITY.TYPE")]
    [InlineData("critical.db", " ", "the message (-m) is empty")]
    public async Task Should_refuse_bad_input_in_one_line_and_publish_nothing(string routingKey, string message, string error)
    {
        // No consumer: every queue the alert could reach is declared by the deployment and read back whole.
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await virtualHost.DeclareDeploymentTopologyAsync();

        await using var producer = await Service.ProduceAsync(virtualHost.Settings, "-r", routingKey, "-m", message);

        Assert.Equal(2, producer.ExitCode);
        var line = Assert.Single(producer.StandardError);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(error, line, StringComparison.Ordinal);
        Assert.Empty(producer.StandardOutput);
        foreach (var queue in new[] { "critical", "rate_limit", "unrouted" })
        {
            Assert.Empty(await virtualHost.DrainAsync(queue));
        }
    }

    [Fact]
    public async Task Should_give_up_on_an_unreachable_broker_within_its_timeout()
    {
        var nobody = new Dictionary<string, string>
        {
            ["RabbitMq__Host"] = "127.0.0.1",
            ["RabbitMq__Port"] = "1", // nothing listens on port 1
            ["RabbitMq__Username"] = "alert_user",
            ["RabbitMq__Password"] = "unused",
        };

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await using var producer = await Service.ProduceAsync(nobody, "-r", "critical.db", "-m", "database down", "--timeout", "3");

        Assert.Equal(1, producer.ExitCode);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20));
        var line = Assert.Single(producer.StandardError);
        Assert.Contains("not published", line, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:1", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_name_a_missing_setting()
    {
        await using var producer = await Service.ProduceAsync(
            new Dictionary<string, string> { ["RabbitMq__Password"] = "" }, "-r", "critical.db", "-m", "database down");

        Assert.Equal(2, producer.ExitCode);
        Assert.Contains("RabbitMq:Password is required", Assert.Single(producer.StandardError), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_exit_zero_once_the_broker_confirmed_and_the_alert_arrives()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical");

        await using var producer = await Service.ProduceAsync(routes.Broker.Settings, "-r", "critical.db", "-m", "line one\nline two: é ü 日本");

        Assert.Equal(0, producer.ExitCode);
        var mail = Assert.Single(await routes.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Contains("line one\nline two: é ü 日本", (mail.TextBody ?? "").ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
