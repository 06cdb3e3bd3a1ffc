using System.Text.Json;
using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

[Collection(UsesBroker.Name)]
public sealed class When_the_consumers_start(Broker broker)
{
    [Fact]
    public async Task Should_declare_the_documented_durable_topology()
    {
        await using var routes = await RunningRoutes.StartAsync(broker, "critical", "rate_limit");

        var alerts = await routes.Broker.ExchangeAsync("alerts");
        Assert.Equal("topic", alerts.GetProperty("type").GetString());
        Assert.True(alerts.GetProperty("durable").GetBoolean());

        var bindings = (await routes.Broker.BindingsAsync()).EnumerateArray()
            .Select(binding => $"{binding.GetProperty("source").GetString()} -[{binding.GetProperty("routing_key").GetString()}]-> "
                + $"{binding.GetProperty("destination_type").GetString()} {binding.GetProperty("destination").GetString()}")
            .ToHashSet();
        foreach (var (queue, pattern) in new[] { ("critical", "critical.*"), ("rate_limit", "*.rate_limit") })
        {
            // alerts (topic) -> exchange named after the queue (fanout) -> the queue: what MassTransit's Bind declares.
            Assert.Contains($"alerts -[{pattern}]-> exchange {queue}", bindings);
            Assert.Contains($"{queue} -[]-> queue {queue}", bindings);
            Assert.Equal("fanout", (await routes.Broker.ExchangeAsync(queue)).GetProperty("type").GetString());
            var details = await routes.Broker.QueueDetailsAsync(queue);
            Assert.True(details.GetProperty("durable").GetBoolean());
            Assert.False(details.GetProperty("auto_delete").GetBoolean());
        }

        Assert.DoesNotContain(bindings, binding => binding.StartsWith("alerts -[", StringComparison.Ordinal) && binding.EndsWith("queue critical", StringComparison.Ordinal));
        Assert.Equal(JsonValueKind.Array, (await routes.Broker.BindingsAsync()).ValueKind);
    }
}
