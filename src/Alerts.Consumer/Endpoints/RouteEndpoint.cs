using Alerts.Consumer.Consumers;
using Alerts.Consumer.Settings;
using Alerts.Contracts;
using MassTransit;

namespace Alerts.Consumer.Endpoints;

/// <summary>How one route's queue is declared and consumed on RabbitMQ.</summary>
public static class RouteEndpoint
{
    public static void ConfigureRoute(this IRabbitMqBusFactoryConfigurator rabbit, IBusRegistrationContext context, AlertsOptions alerts, RouteOptions route) =>
        rabbit.ReceiveEndpoint(route.Queue, (IRabbitMqReceiveEndpointConfigurator endpoint) =>
        {
            if (alerts.QueueType == QueueType.Quorum)
            {
                endpoint.SetQuorumQueue();
            }

            endpoint.PrefetchCount = alerts.PrefetchCount;
            endpoint.ConcurrentMessageLimit = alerts.ConcurrentMessageLimit;
            // A failed alert is kept in the route's error queue; nobody subscribes to Fault<Alert>.
            endpoint.PublishFaults = false;
            endpoint.BindAlerts(route.Bindings);
            endpoint.ConfigureConsumer<AlertConsumer>(context);
        });
}
