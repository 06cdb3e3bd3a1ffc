using Alerts.Consumer.Aggregation;
using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.Middleware;

namespace Alerts.Consumer.Intake;

/// <summary>How a route's queues are consumed through MassTransit, on RabbitMQ and on the test harness alike.</summary>
public static class RouteEndpoints
{
    /// <summary>
    /// A route that notifies each alert is read from its own queue here. A grouping route's own queue is read by
    /// <see cref="GroupingIntake"/> on every replica; here its digest queue, one replica at a time.
    /// </summary>
    public static void ConfigureRoute(this IRabbitMqBusFactoryConfigurator rabbit, IRegistrationContext context, AlertsOptions alerts, Route route)
    {
        if (route.Options.Grouping.Enabled)
        {
            rabbit.ReceiveEndpoint(route.Topology.DigestQueue, (IRabbitMqReceiveEndpointConfigurator endpoint) =>
            {
                route.Topology.ConfigureDigestQueue(endpoint);
                endpoint.ConsumeDigests(context, alerts);
            });
            return;
        }

        rabbit.ReceiveEndpoint(route.Topology.Queue, (IRabbitMqReceiveEndpointConfigurator endpoint) =>
        {
            route.Topology.ConfigureQueue(endpoint);
            endpoint.ConsumeAlerts(context, alerts);
        });
    }

    /// <summary>
    /// Each alert admitted and notified alone, with the notification retry; what still fails goes to the error queue.
    /// An <see cref="Contracts.AlertBatch"/> is first sent back to the queue alert by alert (<see cref="AlertBatchSplitting"/>).
    /// </summary>
    public static void ConsumeAlerts(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context, AlertsOptions alerts)
    {
        endpoint.PrefetchCount = alerts.PrefetchCount;
        endpoint.ConcurrentMessageLimit = alerts.ConcurrentMessageLimit;
        // What fails is kept in the error queue; nobody subscribes to Fault<T>.
        endpoint.PublishFaults = false;
        endpoint.ParkWithNotifiedReceivers();
        // Ahead of the consumers: there a batch would already have been read as one alert, and refused.
        endpoint.AddPrePipeSpecification(new FilterPipeSpecification<ConsumeContext>(new AlertBatchSplitting()));
        endpoint.ConfigureConsumer<AlertConsumer>(context, consumer => consumer.UseNotificationRetry(alerts.Retry));
    }

    /// <summary>
    /// A route's digest queue carries tallies, held unacknowledged until a notification accounts for them (so the prefetch
    /// bounds how many a replica holds, see <see cref="HeldDeliveries"/>), and the group notifications, sent as alerts are.
    /// </summary>
    public static void ConsumeDigests(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context, AlertsOptions alerts)
    {
        // Both share the queue: each message names its type (MT-MessageType), and goes to its own consumer alone.
        endpoint.UseRawJsonDeserializer(RawSerializerOptions.Default, isDefault: true);
        endpoint.PublishFaults = false;
        endpoint.ParkWithNotifiedReceivers();
        endpoint.PrefetchCount = 2 * HeldDeliveries.Max;
        endpoint.ConcurrentMessageLimit = endpoint.PrefetchCount;
        endpoint.ConfigureConsumer<TallyConsumer>(context);
        endpoint.ConfigureConsumer<NotificationConsumer>(context, consumer =>
        {
            consumer.ConcurrentMessageLimit = alerts.ConcurrentMessageLimit;
            consumer.UseNotificationRetry(alerts.Retry);
        });
    }

    /// <summary>MassTransit's own error pipe, with the receivers that already have a notification written on what it parks.</summary>
    static void ParkWithNotifiedReceivers(this IReceiveEndpointConfigurator endpoint) => endpoint.ConfigureError(error =>
    {
        error.UseFilter(new NotifiedReceivers.ParkedHeaderFilter());
        error.UseFilter(new GenerateFaultFilter());
        error.UseFilter(new ErrorTransportFilter());
    });
}
