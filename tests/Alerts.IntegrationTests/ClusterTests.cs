using Alerts.IntegrationTests.Support;

namespace Alerts.IntegrationTests;

/// <summary>
/// The broker is the distributed part: three RabbitMQ nodes on loopback from Debian's package, quorum queues
/// replicated on all three, consumers and a producer that know every node. The node leading the queue is
/// stopped while alerts flow; a new leader is elected and nothing confirmed may be lost.
/// </summary>
// In the broker collection, only so that it does not run beside the other fault tests and share two cores with them.
[Collection(UsesBroker.Name)]
[Trait("Category", "Fault")]
public sealed class When_the_broker_is_a_three_node_cluster
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Stopping_the_node_that_leads_the_queue_while_alerts_flow_loses_nothing()
    {
        var nodes = await Broker.StartClusterAsync(3);
        try
        {
            await using var routes = await RunningRoutes.StartAsync(nodes[0]);
            var cluster = string.Join(',', nodes.Select(node => $"127.0.0.1:{node.AmqpPort}"));
            var everyNode = new Dictionary<string, string>(routes.Broker.Settings) { ["RabbitMq__Host"] = cluster };
            await routes.AddConsumerAsync("critical", ("RabbitMq__Host", cluster));
            await routes.AddConsumerAsync("critical", ("RabbitMq__Host", cluster));
            var queue = await routes.Broker.QueueDetailsAsync("critical");
            Assert.Equal("quorum", queue.GetProperty("type").GetString());
            Assert.Equal(3, queue.GetProperty("members").GetArrayLength());
            var leader = nodes.Single(node => node.NodeName == queue.GetProperty("leader").GetString());
            var survivor = nodes.First(node => node != leader);

            await using var load = await AlertLoad.StartAsync(everyNode);
            var publishing = load.PublishAsync("critical.cluster", count: 600, perSecond: 50);
            await routes.Sink.WaitForAsync(100, Patience);
            await leader.StopAsync();
            await publishing;
            await routes.Sink.WaitForAsync(load.Confirmed.Count, Patience);

            await using var afterwards = new BrokerVirtualHost(survivor, routes.Broker.Name, routes.Broker.Settings["RabbitMq__Username"], routes.Broker.Settings["RabbitMq__Password"]);
            var newLeader = (await afterwards.QueueDetailsAsync("critical")).GetProperty("leader").GetString();
            var parked = (int)(await afterwards.QueueAsync("critical_error")).Messages;
            var report = FaultReport.From("3-node cluster: queue leader stopped while publishing", grouping: false, [.. load.Confirmed], routes.Sink, parked);
            report.Write();
            Assert.NotEqual(leader.NodeName, newLeader);
            Assert.Equal(600, load.Confirmed.Count + load.Unconfirmed); // every publish accounted for: confirmed, or reported to the caller
            Assert.True(load.Confirmed.Count > 500, $"only {load.Confirmed.Count} of 600 publishes were confirmed ({load.Unconfirmed} failed while the leader moved)");
            Assert.Equal(0, report.Lost);
            Assert.InRange(report.Duplicates, 0, 128); // at most what the consumers held unacknowledged on the stopped node
            Assert.Equal(0, report.Parked);
            Assert.All(routes.Consumers, consumer => Assert.False(consumer.HasExited, "a consumer rode out the node's loss by itself"));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
