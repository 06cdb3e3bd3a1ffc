using Alerts.Consumer.Consumers;
using Alerts.Consumer.Settings;
using Alerts.Contracts;
using MassTransit;

namespace Alerts.Consumer.Endpoints;

/// <summary>How one route's queue is declared and consumed.</summary>
public static class RouteEndpoint
{
    /// <summary>A route's queue on RabbitMQ: quorum (unless set otherwise), bound to the alerts exchange with its patterns.</summary>
    public static void ConfigureRoute(this IRabbitMqBusFactoryConfigurator rabbit, IRegistrationContext context, AlertsOptions alerts, RouteOptions route) =>
        rabbit.ReceiveEndpoint(route.Queue, (IRabbitMqReceiveEndpointConfigurator endpoint) =>
        {
            if (alerts.QueueType == QueueType.Quorum)
            {
                endpoint.SetQuorumQueue();
            }

            endpoint.BindAlerts(route.Bindings);
            endpoint.ConsumeRoute(context, alerts);
        });

    /// <summary>
    /// How a route's alerts are consumed, whatever the transport: RabbitMQ in production, the in-memory harness in tests.
    /// The retry policy comes with the consumer's definition; what still fails is moved to the queue's error queue.
    /// </summary>
    public static void ConsumeRoute(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context, AlertsOptions alerts)
    {
        endpoint.PrefetchCount = alerts.PrefetchCount;
        endpoint.ConcurrentMessageLimit = alerts.ConcurrentMessageLimit;
        // A failed alert is kept in the route's error queue; nobody subscribes to Fault<Alert>.
        endpoint.PublishFaults = false;
        endpoint.ConfigureConsumer<AlertConsumer>(context);
    }
}
