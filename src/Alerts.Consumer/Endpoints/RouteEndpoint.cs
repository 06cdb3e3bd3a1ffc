using Alerts.Consumer.Consumers;
using Alerts.Consumer.Digests;
using Alerts.Consumer.Settings;
using Alerts.Contracts;
using MassTransit;

namespace Alerts.Consumer.Endpoints;

/// <summary>How one route's queues are declared and consumed.</summary>
public static class RouteEndpoint
{
    /// <summary>
    /// A route's queues on RabbitMQ. A route that mails each alert: its queue, quorum (unless set otherwise), bound to the
    /// alerts exchange with its patterns. A grouping route: its digest queue, with a single active consumer, so that one
    /// replica at a time mails the groups; its own queue is read by <see cref="AlertIntake"/> on every replica.
    /// </summary>
    public static void ConfigureRoute(this IRabbitMqBusFactoryConfigurator rabbit, IRegistrationContext context, AlertsOptions alerts, RouteOptions route)
    {
        if (route.Grouping.Enabled)
        {
            rabbit.ReceiveEndpoint(route.DigestQueue, (IRabbitMqReceiveEndpointConfigurator endpoint) =>
            {
                if (alerts.QueueType == QueueType.Quorum)
                {
                    endpoint.SetQuorumQueue();
                }

                endpoint.SingleActiveConsumer = true;
                endpoint.ConfigureConsumeTopology = false;
                endpoint.ConsumeDigests(context);
            });
            return;
        }

        rabbit.ReceiveEndpoint(route.Queue, (IRabbitMqReceiveEndpointConfigurator endpoint) =>
        {
            if (alerts.QueueType == QueueType.Quorum)
            {
                endpoint.SetQuorumQueue();
            }

            endpoint.BindAlerts(route.Bindings);
            endpoint.ConsumeRoute(context, alerts);
        });
    }

    /// <summary>
    /// How the alerts of a route that mails each alert are consumed, whatever the transport: RabbitMQ in production, the
    /// in-memory harness in tests. The retry policy comes with the consumer's definition; what still fails is moved to
    /// the queue's error queue.
    /// </summary>
    public static void ConsumeRoute(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context, AlertsOptions alerts)
    {
        endpoint.PrefetchCount = alerts.PrefetchCount;
        endpoint.ConcurrentMessageLimit = alerts.ConcurrentMessageLimit;
        // A failed alert is kept in the route's error queue; nobody subscribes to Fault<Alert>.
        endpoint.PublishFaults = false;
        endpoint.ConfigureConsumer<AlertConsumer>(context);
    }

    /// <summary>
    /// How a route's digest queue is consumed: tallies stay unacknowledged until a mail accounts for them, so the
    /// prefetch bounds how many a replica holds (<see cref="GroupBook.MaxHeld"/> keeps well within it).
    /// </summary>
    public static void ConsumeDigests(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context)
    {
        endpoint.PublishFaults = false;
        endpoint.PrefetchCount = 2 * GroupBook.MaxHeld;
        endpoint.ConcurrentMessageLimit = endpoint.PrefetchCount;
        endpoint.ConfigureConsumer<DigestConsumer>(context);
    }
}
