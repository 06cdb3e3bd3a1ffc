using Alerts.IntegrationTests.Support;
using Alerts.TestSupport;

namespace Alerts.IntegrationTests;

/// <summary>The replay connects the way the bus does: through every node the settings name, and it fails in one line.</summary>
[Collection(UsesBroker.Name)]
public sealed class When_the_replay_connects(Broker broker)
{
    [Fact]
    public async Task Should_move_the_parked_alerts_when_the_first_node_of_the_host_list_is_down()
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await virtualHost.DeclareDeploymentTopologyAsync();
        await virtualHost.ParkAsync("critical", "critical.db_down", count: 3);
        var downFirst = new Dictionary<string, string>(virtualHost.Settings)
        {
            ["RabbitMq__Host"] = $"127.0.0.1:{FreePort.OnLoopback()},127.0.0.1:{broker.AmqpPort}",
        };

        await using var replay = await Service.ReplayAsync(downFirst, "critical");

        Assert.True(replay.ExitCode == 0, replay.ToString());
        Assert.Contains("moved 3 parked alert(s) from critical_error back to critical", replay.StandardOutput);
        var replayed = await virtualHost.DrainAsync("critical");
        Assert.Equal(3, replayed.Count);
        Assert.All(replayed, alert => Assert.Equal("critical.db_down", alert.RoutingKey));
        Assert.All(replayed, alert => Assert.DoesNotContain(alert.BasicProperties.Headers!.Keys, header => header.StartsWith("MT-", StringComparison.Ordinal)));
        Assert.Empty(await virtualHost.DrainAsync("critical_error"));
    }

    [Theory]
    [InlineData("RabbitMq__Host", "127.0.0.1:1,127.0.0.1:2", "Connection refused")]
    [InlineData("RabbitMq__Host", "rabbit-0.invalid", "Name or service not known")]
    [InlineData("RabbitMq__VirtualHost", "no-such-vhost", "NOT_ALLOWED")]
    [InlineData("RabbitMq__Password", "wrong", "ACCESS_REFUSED")]
    public async Task Should_say_in_one_line_what_to_fix_and_exit_1(string name, string value, string reason)
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        var settings = new Dictionary<string, string>(virtualHost.Settings) { [name] = value };

        await using var replay = await Service.ReplayAsync(settings, "critical");

        // The client can hand over a connection before the broker refused its virtual host (rabbitmq-dotnet-client#1999):
        // the first channel then waited out a 20 s timeout, and the command ended with exit code 1 and not a word.
        Assert.True(replay.ExitCode == 1 && replay.StandardError.Count() == 1,
            $"expected exit code 1 and one line on standard error, got exit code {replay.ExitCode} and:{Environment.NewLine}{replay}");
        var line = replay.StandardError.Single();
        Assert.StartsWith("error: replay stopped: RabbitMQ at ", line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.Ordinal);
        Assert.EndsWith("what was not moved is still in critical_error and critical.digest_error", line, StringComparison.Ordinal);
    }
}
