using MassTransit;
using RabbitMQ.Client;

namespace Alerts.Contracts;

/// <summary>
/// The one place that says how alerts travel through RabbitMQ, so producer and consumer cannot drift:
/// alerts are published as plain JSON to the durable topic exchange <see cref="ExchangeName"/> with the
/// routing key <c>SEVERITY.TYPE</c>, one alert a message or several of one key as an <see cref="AlertBatch"/>, and each route's queue binds to that exchange with topic patterns.
/// An alert no pattern matches goes, by the exchange's alternate exchange, to the queue <see cref="UnroutedQueue"/>;
/// that part is declared at deployment (<c>deploy/rabbitmq/topology.json</c>), since only a policy can set it.
/// </summary>
public static class AlertsTopology
{
    public const string ExchangeName = "alerts";

    /// <summary>The alternate exchange of <see cref="ExchangeName"/>: it keeps what no route takes, or returns it when asked.</summary>
    public const string UnroutedExchange = "alerts.unrouted";

    /// <summary>Where alerts that no route takes wait, bounded in length and age by the <c>alerts-unrouted</c> policy.</summary>
    public const string UnroutedQueue = "unrouted";

    /// <summary>
    /// A publisher that sets this header (to <see cref="ReturnUnrouted"/>) and the mandatory flag gets an alert that no
    /// route takes back from the broker instead of having it kept: that is how it learns that no route took it.
    /// </summary>
    public const string UnroutedHeader = "Alerts-Unrouted";

    public const string ReturnUnrouted = "return";

    /// <summary>Sets up alert publishing and plain-JSON bodies on a bus.</summary>
    public static void UseAlertsTopology(this IRabbitMqBusFactoryConfigurator bus)
    {
        bus.UseAlertsSerializer();
        bus.Message<Alert>(message => message.SetEntityName(ExchangeName));
        bus.Publish<Alert>(publish => publish.ExchangeType = ExchangeType.Topic);
        bus.Send<Alert>(send => send.UseRoutingKeyFormatter(context =>
            context.Message.RoutingKey?.ToString()
            ?? throw new InvalidOperationException("an alert is published only with a valid severity and type")));
        bus.Message<AlertBatch>(message => message.SetEntityName(ExchangeName));
        bus.Publish<AlertBatch>(publish => publish.ExchangeType = ExchangeType.Topic);
        bus.Send<AlertBatch>(send => send.UseRoutingKeyFormatter(context => context.Message.RoutingKey.ToString()));
    }

    /// <summary>
    /// Any AMQP client can read what we publish, and we read plain JSON (or the book's bare string) from any publisher;
    /// MassTransit's envelope is still understood by its content type. On every bus that carries alerts, tests' too.
    /// </summary>
    public static void UseAlertsSerializer(this IBusFactoryConfigurator bus) => bus.UseRawJsonSerializer(RawSerializerOptions.All, isDefault: true);

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
