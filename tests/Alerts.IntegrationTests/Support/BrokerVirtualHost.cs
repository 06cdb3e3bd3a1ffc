using System.Text.Json;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Alerts.IntegrationTests.Support;

/// <summary>A test's own virtual host: publishes as a plain AMQP client, and reads queues and topology back.</summary>
public sealed class BrokerVirtualHost(Broker broker, string name, string user, string password) : IAsyncDisposable
{
    IConnection? _connection;

    public string Name { get; } = name;

    /// <summary>The settings a service reads from its environment to reach this virtual host.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["RabbitMq__Host"] = "127.0.0.1",
        ["RabbitMq__Port"] = broker.AmqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RabbitMq__VirtualHost"] = name,
        ["RabbitMq__Username"] = user,
        ["RabbitMq__Password"] = password,
    };

    /// <summary>
    /// Declares in this virtual host what a deployment declares in its own (<c>deploy/rabbitmq/topology.json</c>): the
    /// exchanges, the route queues, the unrouted queue and their policies, as the broker loads them at boot.
    /// </summary>
    public async Task DeclareDeploymentTopologyAsync()
    {
        var topology = JsonNode.Parse(await File.ReadAllTextAsync(Repository.PathOf("deploy/rabbitmq/topology.json")))!.AsObject();
        topology.Remove("vhosts");
        foreach (var (_, entries) in topology)
        {
            foreach (var entry in entries!.AsArray())
            {
                entry!["vhost"] = Name;
            }
        }

        await broker.ImportDefinitionsAsync(topology.ToJsonString());
    }

    /// <summary>Publishes as any non-MassTransit client would: persistent, with publisher confirms.</summary>
    public async Task PublishAsync(
        string routingKey, string body, string? contentType = "application/json", string exchange = "alerts", IDictionary<string, object?>? headers = null)
    {
        await using var channel = await ChannelAsync(confirms: true);
        var properties = new BasicProperties { Persistent = true, ContentType = contentType, Headers = headers };
        await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, System.Text.Encoding.UTF8.GetBytes(body));
    }

    /// <summary>Publishes one plain JSON alert per id on one channel, up to 100 awaiting their confirms at once.</summary>
    public async Task PublishManyAsync(string routingKey, IEnumerable<Guid> ids, string exchange = "alerts")
    {
        await using var channel = await ChannelAsync(confirms: true);
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        foreach (var batch in ids.Chunk(100))
        {
            await Task.WhenAll(batch.Select(id => channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties,
                System.Text.Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","text":"alert {{id}}","source":"fault-test"}""")).AsTask()));
        }
    }

    /// <summary>Puts alerts in a route's error queue as MassTransit parks them there, with the fault headers it adds.</summary>
    public async Task ParkAsync(string queue, string routingKey, int count)
    {
        await using var channel = await ChannelAsync(confirms: true);
        // MassTransit's error exchange and queue, named after the route's queue; the alert keeps its routing key.
        await channel.ExchangeDeclareAsync($"{queue}_error", "fanout", durable: true);
        await channel.QueueDeclareAsync($"{queue}_error", durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        await channel.QueueBindAsync($"{queue}_error", $"{queue}_error", "");
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/json",
            Headers = new Dictionary<string, object?> { ["MT-Reason"] = "fault", ["MT-Fault-Message"] = "5.0.0 refused" },
        };
        for (var parked = 0; parked < count; parked++)
        {
            await channel.BasicPublishAsync($"{queue}_error", routingKey, mandatory: true, properties,
                System.Text.Encoding.UTF8.GetBytes($$"""{"id":"{{Guid.NewGuid()}}","text":"parked {{parked}}"}"""));
        }
    }

    /// <summary>Messages ready in a queue and consumers attached, as the broker counts them now (0, 0 if it does not exist).</summary>
    public async Task<(uint Messages, uint Consumers)> QueueAsync(string queue)
    {
        await using var channel = await ChannelAsync(confirms: false);
        try
        {
            var declared = await channel.QueueDeclarePassiveAsync(queue);
            return (declared.MessageCount, declared.ConsumerCount);
        }
        catch (OperationInterruptedException missing) when (missing.ShutdownReason?.ReplyCode == 404)
        {
            return (0, 0);
        }
    }

    public async Task WaitForConsumersAsync(string queue, int consumers) =>
        await Eventually.HoldsAsync(async () => (await QueueAsync(queue)).Consumers >= consumers,
            TimeSpan.FromSeconds(30), $"{consumers} consumer(s) on queue '{queue}'");

    public async Task WaitForMessagesAsync(string queue, int messages) =>
        await Eventually.HoldsAsync(async () => (await QueueAsync(queue)).Messages >= messages,
            TimeSpan.FromSeconds(30), $"{messages} message(s) in queue '{queue}'");

    /// <summary>Waits until the broker holds no message of a queue, ready or unacknowledged: every delivery was settled.</summary>
    public async Task WaitUntilSettledAsync(params string[] queues)
    {
        foreach (var queue in queues)
        {
            await Eventually.HoldsAsync(async () =>
            {
                var (ready, _) = await QueueAsync(queue);
                var stats = await broker.GetAsync($"queues/{Uri.EscapeDataString(Name)}/{queue}");
                return ready == 0 && stats.TryGetProperty("messages", out var total) && total.GetInt64() == 0;
            }, TimeSpan.FromSeconds(30), $"queue '{queue}' settled");
        }
    }

    /// <summary>Takes each message of a queue and hands it back unacknowledged, until the queue has none left to give.</summary>
    /// <returns>How many deliveries there were.</returns>
    public async Task<int> ReturnEachDeliveryAsync(string queue, int atMost)
    {
        await using var channel = await ChannelAsync(confirms: false);
        var deliveries = 0;
        while (deliveries < atMost && await channel.BasicGetAsync(queue, autoAck: false) is { } delivered)
        {
            deliveries++;
            await channel.BasicNackAsync(delivered.DeliveryTag, multiple: false, requeue: true);
        }

        return deliveries;
    }

    /// <summary>Takes every message out of a queue (an error queue, say) to look at; a queue never declared holds none.</summary>
    public async Task<IReadOnlyList<BasicGetResult>> DrainAsync(string queue)
    {
        await using var channel = await ChannelAsync(confirms: false);
        var messages = new List<BasicGetResult>();
        try
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
            {
                messages.Add(message);
            }
        }
        catch (OperationInterruptedException missing) when (missing.ShutdownReason?.ReplyCode == 404)
        {
            // MassTransit declares an error queue with the first alert it parks.
        }

        return messages;
    }

    public Task<JsonElement> ExchangeAsync(string exchange) => broker.GetAsync($"exchanges/{Uri.EscapeDataString(Name)}/{exchange}");

    public Task<JsonElement> QueueDetailsAsync(string queue) => broker.GetAsync($"queues/{Uri.EscapeDataString(Name)}/{queue}");

    public Task<JsonElement> BindingsAsync() => broker.GetAsync($"bindings/{Uri.EscapeDataString(Name)}");

    async Task<IChannel> ChannelAsync(bool confirms)
    {
        if (_connection is { IsOpen: false })
        {
            // The broker was restarted under it: connect anew rather than wait for the client's own recovery.
            await _connection.DisposeAsync();
            _connection = null;
        }

        _connection ??= await broker.ConnectionFactory(Name, user, password).CreateConnectionAsync();
        return await _connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: confirms, publisherConfirmationTrackingEnabled: confirms));
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        try
        {
            await broker.DeleteAsync($"vhosts/{Uri.EscapeDataString(Name)}");
        }
        catch (HttpRequestException)
        {
            // The broker (a cluster node a test stopped) is gone, and its virtual hosts with it.
        }
    }
}
