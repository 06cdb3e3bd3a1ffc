using System.Text.Json;
using Alerts.Contracts;
using Alerts.IntegrationTests.Support;
using Microsoft.Extensions.Configuration;

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

// In the broker collection, so that its builds and parsing never share the two cores with a timed fault test.
[Collection(UsesBroker.Name)]
public sealed class When_the_deployment_declares_the_topology
{
    [Fact]
    public void Should_bind_the_routes_the_consumer_ships_with_and_nothing_else()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("deploy/rabbitmq/topology.json")));
        var bindings = json.RootElement.GetProperty("bindings").EnumerateArray().ToList();
        var shipped = ShippedRoutes().SelectMany(route => route.Bindings.Select(pattern => $"{route.Queue} {pattern}"));

        var declared = bindings.Where(binding => binding.GetProperty("source").GetString() == AlertsTopology.ExchangeName)
            .Select(binding => $"{binding.GetProperty("destination").GetString()} {binding.GetProperty("routing_key").GetString()}");

        Assert.Equal(shipped.Order(StringComparer.Ordinal), declared.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Should_declare_every_queue_of_each_route_as_the_consumer_declares_it()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("deploy/rabbitmq/topology.json")));
        var queues = json.RootElement.GetProperty("queues").EnumerateArray().ToDictionary(queue => queue.GetProperty("name").GetString()!);
        var bindings = json.RootElement.GetProperty("bindings").EnumerateArray()
            .Select(binding => $"{binding.GetProperty("source")} -> {binding.GetProperty("destination_type")} {binding.GetProperty("destination")}")
            .ToHashSet();
        var exchanges = json.RootElement.GetProperty("exchanges").EnumerateArray()
            .ToDictionary(exchange => exchange.GetProperty("name").GetString()!, exchange => exchange.GetProperty("type").GetString());

        foreach (var (name, arguments) in ShippedRoutes().SelectMany(route => route.Queues))
        {
            // As MassTransit declares it: an exchange named after the queue, bound to the queue.
            Assert.True(queues.TryGetValue(name, out var queue), $"deploy/rabbitmq/topology.json declares no queue {name}");
            Assert.Equal(
                arguments.Select(argument => $"{argument.Key}={argument.Value}".ToLowerInvariant()).Order(StringComparer.Ordinal),
                queue.GetProperty("arguments").EnumerateObject().Select(argument => $"{argument.Name}={argument.Value}".ToLowerInvariant()).Order(StringComparer.Ordinal));
            Assert.Equal("fanout", exchanges.GetValueOrDefault(name));
            Assert.Contains($"{name} -> queue {name}", bindings);
        }
    }

    /// <summary>The routes of the consumer's shipped settings, with the queues the consumer derives from them.</summary>
    static IEnumerable<RouteTopology> ShippedRoutes() =>
        new ConfigurationBuilder().AddJsonFile(Repository.PathOf("src/Alerts.Consumer/appsettings.json")).Build().GetSection("Alerts:Routes").GetChildren()
            .Select(route => new RouteTopology(route["Queue"]!, [.. route.GetSection("Bindings").GetChildren().Select(pattern => pattern.Value!)]));
}
