using System.Text;
using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

/// <summary>
/// Where RabbitMQ 4 (compose) behaves unlike Debian's 3.10 (these tests) by default, the deployment declares the
/// setting, so both behave the same: a route's queue parks an alert delivered 20 times (quorum queues' limit in 4.x,
/// where it would otherwise be dropped), and every broker refuses a message over 16 MiB to its publisher.
/// </summary>
[Collection(UsesBroker.Name)]
public sealed class When_the_broker_guards_its_queues(Broker broker)
{
    [Fact]
    public async Task Should_park_an_alert_delivered_twenty_times_in_the_routes_error_queue()
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await virtualHost.DeclareDeploymentTopologyAsync();
        await Eventually.HoldsAsync(async () => (await virtualHost.QueueDetailsAsync("critical")).TryGetProperty("policy", out var policy)
            && policy.GetString() == "route-critical", TimeSpan.FromSeconds(30), "the policy route-critical on the critical queue");
        await virtualHost.PublishAsync("critical.db", """{"text":"the alert a consumer crashes on"}""");

        // A consumer that dies on the alert each time, as a crash loop does: the broker takes it back, unacknowledged.
        var deliveries = await virtualHost.ReturnEachDeliveryAsync("critical", atMost: 50);

        Assert.InRange(deliveries, 20, 21);
        var parked = Assert.Single(await virtualHost.DrainAsync("critical_error"));
        Assert.Equal("critical.db", parked.RoutingKey);
        Assert.Equal("delivery_limit", Encoding.UTF8.GetString((byte[])parked.BasicProperties.Headers!["x-first-death-reason"]!));
    }

    [Fact]
    public async Task Should_refuse_a_message_over_16_MiB_to_its_publisher()
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await virtualHost.DeclareDeploymentTopologyAsync();

        var refused = await Assert.ThrowsAnyAsync<Exception>(() =>
            virtualHost.PublishAsync("critical.db", $"\"{new string('x', Broker.MaxMessageSize)}\""));

        Assert.Contains("larger than configured max size", refused.ToString(), StringComparison.Ordinal);
        Assert.Empty(await virtualHost.DrainAsync("critical"));
    }
}
