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
    /// A route's queue on RabbitMQ: quorum (unless set otherwise), bound to the alerts exchange with its patterns. A grouping
    /// route also has a digest queue with a single active consumer: every replica folds alerts, one at a time mails groups.
    /// </summary>
    public static void ConfigureRoute(this IRabbitMqBusFactoryConfigurator rabbit, IRegistrationContext context, AlertsOptions alerts, RouteOptions route)
    {
        rabbit.ReceiveEndpoint(route.Queue, (IRabbitMqReceiveEndpointConfigurator endpoint) =>
        {
            if (alerts.QueueType == QueueType.Quorum)
            {
                endpoint.SetQuorumQueue();
            }

            endpoint.BindAlerts(route.Bindings);
            endpoint.ConsumeRoute(context, alerts, route);
        });

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
        }
    }

    /// <summary>
    /// How a route's alerts are consumed, whatever the transport: RabbitMQ in production, the in-memory harness in tests.
    /// Each alert is checked alone; then a grouping route folds them in batches, another mails each. Retry policies come with
    /// the consumers' definitions; what still fails is moved to the queue's error queue.
    /// </summary>
    public static void ConsumeRoute(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context, AlertsOptions alerts, RouteOptions route)
    {
        // A failed alert is kept in the route's error queue; nobody subscribes to Fault<Alert>.
        endpoint.PublishFaults = false;
        if (route.Grouping.Enabled)
        {
            // A batch is collected from alerts delivered and in progress at once.
            endpoint.PrefetchCount = Math.Max(alerts.PrefetchCount, 2 * AlertFolderDefinition.BatchSize);
            endpoint.ConcurrentMessageLimit = endpoint.PrefetchCount;
            endpoint.UseFilter(new ValidAlertFilter(alerts.MaxTextLength));
            endpoint.ConfigureConsumer<AlertFolder>(context);
        }
        else
        {
            endpoint.PrefetchCount = alerts.PrefetchCount;
            endpoint.ConcurrentMessageLimit = alerts.ConcurrentMessageLimit;
            endpoint.ConfigureConsumer<AlertConsumer>(context);
        }
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
