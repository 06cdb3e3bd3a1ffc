using MassTransit;
using RabbitMQ.Client;

namespace Alerts.Contracts;

/// <summary>
/// The one place that says how alerts travel through RabbitMQ, so producer and consumer cannot drift:
/// alerts are published as plain JSON to the durable topic exchange <see cref="ExchangeName"/> with the
/// routing key <c>SEVERITY.TYPE</c>, and each route's queue binds to that exchange with topic patterns.
/// </summary>
public static class AlertsTopology
{
    public const string ExchangeName = "alerts";

    /// <summary>Connects to the broker and sets up alert publishing and plain-JSON bodies.</summary>
    public static void UseAlerts(this IRabbitMqBusFactoryConfigurator bus, RabbitMqOptions broker)
    {
        var nodes = broker.Nodes();
        var (firstHost, firstPort) = nodes[0];
        bus.Host(firstHost, (ushort)firstPort, broker.VirtualHost, $"alerts-{AppDomain.CurrentDomain.FriendlyName}", host =>
        {
            host.Username(broker.Username);
            host.Password(broker.Password);
            host.PublisherConfirmation = true;
            if (nodes.Count > 1)
            {
                // Each reconnect tries the next node, so losing one node of a cluster costs a reconnect, not the service.
                host.UseCluster(cluster =>
                {
                    foreach (var (nodeHost, nodePort) in nodes)
                    {
                        cluster.Node($"{nodeHost}:{nodePort}");
                    }
                });
            }

            if (broker.UseTls)
            {
                host.UseSsl(tls =>
                {
                    // With a cluster, one certificate names every node (as a wildcard or in its alternative names).
                    tls.ServerName = firstHost;
                    tls.Protocol = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
                });
            }
        });

        // Any AMQP client can read what we publish, and we read plain JSON (or the book's bare string)
        // from any publisher; MassTransit's envelope is still understood by its content type.
        bus.UseRawJsonSerializer(RawSerializerOptions.All, isDefault: true);

        bus.Message<Alert>(message => message.SetEntityName(ExchangeName));
        bus.Publish<Alert>(publish => publish.ExchangeType = ExchangeType.Topic);
        bus.Send<Alert>(send => send.UseRoutingKeyFormatter(context =>
            context.Message.RoutingKey?.ToString()
            ?? throw new InvalidOperationException("an alert is published only with a valid severity and type")));
    }

    /// <summary>
    /// Binds a receive endpoint's queue to the alerts exchange with each topic pattern (<c>critical.*</c>, <c>*.rate_limit</c>).
    /// MassTransit puts an exchange named after the queue between the two; the alerts exchange stays a topic exchange.
    /// </summary>
    public static void BindAlerts(this IRabbitMqReceiveEndpointConfigurator endpoint, IEnumerable<string> patterns)
    {
        endpoint.ConfigureConsumeTopology = false;
        foreach (var pattern in patterns)
        {
            endpoint.Bind(ExchangeName, binding =>
            {
                binding.ExchangeType = ExchangeType.Topic;
                binding.RoutingKey = pattern;
            });
        }
    }
}
