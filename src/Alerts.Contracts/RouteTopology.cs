using MassTransit;
using MassTransit.Topology;
using RabbitMQ.Client;

namespace Alerts.Contracts;

/// <summary>
/// The queues of one route, named and declared in this one place for the bus, the grouping intake, the replay and the
/// deployment's tests: the route's queue, bound to the alerts exchange with its topic patterns; its digest queue, where
/// the route's replicas hand their folded alerts and the group notifications to the one replica that sends them; and
/// beside each, the error queue where what cannot be handled is parked for an operator.
/// </summary>
/// <param name="Quorum">Quorum queues (replicated and fsynced), or classic ones for a single broker.</param>
public sealed record RouteTopology(string Queue, IReadOnlyList<string> Bindings, bool Quorum = true)
{
    public string ErrorQueue => ErrorQueueOf(Queue);

    public string DigestQueue => $"{Queue}.digest";

    public string DigestErrorQueue => ErrorQueueOf(DigestQueue);

    /// <summary>Each queue of the route with the error queue where what fails on it is parked.</summary>
    public IReadOnlyList<(string Queue, string ErrorQueue)> Parking => [(Queue, ErrorQueue), (DigestQueue, DigestErrorQueue)];

    /// <summary>MassTransit's own name for a queue's error queue, so that what it parks and what we park meet.</summary>
    public static string ErrorQueueOf(string queue) => DefaultErrorQueueNameFormatter.Instance.FormatErrorQueueName(queue);

    /// <summary>The route's queue as a receive endpoint: bound to the alerts exchange with the route's patterns.</summary>
    public void ConfigureQueue(IRabbitMqReceiveEndpointConfigurator endpoint)
    {
        if (Quorum)
        {
            endpoint.SetQuorumQueue();
        }

        endpoint.BindAlerts(Bindings);
    }

    /// <summary>The digest queue as a receive endpoint: one consumer at a time takes it, so one replica sends a group's notifications.</summary>
    public void ConfigureDigestQueue(IRabbitMqReceiveEndpointConfigurator endpoint)
    {
        if (Quorum)
        {
            endpoint.SetQuorumQueue();
        }

        endpoint.SingleActiveConsumer = true;
        endpoint.ConfigureConsumeTopology = false;
    }

    /// <summary>Every queue of the route with the arguments it is declared with, by the bus, the intake and the deployment alike.</summary>
    public IReadOnlyList<(string Name, IReadOnlyDictionary<string, object?> Arguments)> Queues =>
    [
        (Queue, QueueArguments()),
        (ErrorQueue, QueueArguments()),
        (DigestQueue, QueueArguments(singleActiveConsumer: true)),
        (DigestErrorQueue, QueueArguments()),
    ];

    /// <summary>
    /// MassTransit gives an error queue the arguments of its queue; not single active consumer, which RabbitMQ's quorum
    /// queues allow no <c>basic.get</c> with, and which replay uses to take what was parked.
    /// </summary>
    public static void ConfigureErrorQueues(IRabbitMqBusFactoryConfigurator bus) =>
        bus.SendTopology.ConfigureErrorSettings = error => error.SetQueueArgument("x-single-active-consumer", null);

    /// <summary>Declares every queue of the route with RabbitMQ.Client, exactly as the bus declares them, for a reader that takes them without MassTransit.</summary>
    public async Task DeclareAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(AlertsTopology.ExchangeName, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        foreach (var (name, arguments) in Queues)
        {
            await DeclareQueueAsync(channel, name, new Dictionary<string, object?>(arguments), cancellationToken);
        }

        foreach (var pattern in Bindings)
        {
            await channel.ExchangeBindAsync(Queue, AlertsTopology.ExchangeName, pattern, cancellationToken: cancellationToken);
        }
    }

    Dictionary<string, object?> QueueArguments(bool singleActiveConsumer = false)
    {
        var arguments = new Dictionary<string, object?>();
        if (Quorum)
        {
            arguments["x-queue-type"] = "quorum";
        }

        if (singleActiveConsumer)
        {
            arguments["x-single-active-consumer"] = true;
        }

        return arguments;
    }

    /// <summary>A durable queue behind a fanout exchange of the same name, as MassTransit declares its queues.</summary>
    static async Task DeclareQueueAsync(IChannel channel, string queue, IDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(queue, queue, "", cancellationToken: cancellationToken);
    }
}
