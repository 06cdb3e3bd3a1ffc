using RabbitMQ.Client;

namespace Alerts.ServiceDefaults;

/// <summary>
/// A RabbitMQ stream behind a fanout exchange of the same name: an append-only log that every replica reads from its start
/// (or from a time) and that survives restarts of the services and of the broker. Silences and the alert history live in one each.
/// </summary>
public static class StreamQueues
{
    /// <summary>The header a stream puts on each delivery: the message's position in the log.</summary>
    public const string OffsetHeader = "x-stream-offset";

    /// <summary>A channel with publisher confirms on which the exchange, the stream and their binding are declared.</summary>
    /// <remarks>Only the type is declared: bounds (age, size) are a policy of the deployment, which can change them later.</remarks>
    public static async Task<IChannel> OpenAsync(IConnection connection, string name, CancellationToken cancellationToken)
    {
        var channel = await connection.OpenChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-queue-type"] = "stream" }, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(name, name, "", cancellationToken: cancellationToken);
        return channel;
    }

    /// <summary>Appends one message, persistent, and completes once the broker confirmed it.</summary>
    public static ValueTask PublishAsync(IChannel channel, string name, string type, ReadOnlyMemory<byte> body, CancellationToken cancellationToken, string? messageId = null)
    {
        var properties = new BasicProperties
        {
            Type = type,
            MessageId = messageId ?? Guid.NewGuid().ToString("N"),
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
        };
        return channel.BasicPublishAsync(name, "", mandatory: true, properties, body, cancellationToken);
    }

    /// <summary>The position of a delivery in its stream.</summary>
    public static long OffsetOf(IReadOnlyBasicProperties properties) =>
        properties.Headers?.TryGetValue(OffsetHeader, out var offset) == true ? Convert.ToInt64(offset, System.Globalization.CultureInfo.InvariantCulture) : -1;
}
