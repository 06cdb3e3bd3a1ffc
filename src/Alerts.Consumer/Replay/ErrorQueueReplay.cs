using Alerts.Contracts;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Alerts.Consumer.Replay;

/// <summary>
/// Moves parked alerts from a route's error queue back to its queue, for the operator who fixed the mail server.
/// Each alert is republished, confirmed by the broker, and only then removed from the error queue: killed
/// half-way, the replay loses nothing (at worst the alert in hand is in both queues, and is mailed at least once).
/// </summary>
public sealed class ErrorQueueReplay(IOptions<RabbitMqOptions> broker)
{
    readonly RabbitMqOptions _broker = broker.Value;

    /// <summary>Replays up to <paramref name="limit"/> alerts (all when null) that were parked when the replay began.</summary>
    /// <returns>How many alerts were moved.</returns>
    public async Task<int> ReplayAsync(string queue, int? limit, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            HostName = _broker.Host,
            Port = _broker.Port,
            VirtualHost = _broker.VirtualHost,
            UserName = _broker.Username,
            Password = _broker.Password,
            ClientProvidedName = "alerts-replay",
            Ssl = new SslOption(_broker.Host, enabled: _broker.UseTls),
        };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);

        var errorQueue = $"{queue}_error";
        // Only what was parked before we began: alerts that fail again while we replay wait for the next replay.
        int parkedAtStart;
        try
        {
            parkedAtStart = (int)(await channel.QueueDeclarePassiveAsync(errorQueue, cancellationToken)).MessageCount;
        }
        catch (OperationInterruptedException missing) when (missing.ShutdownReason?.ReplyCode == 404)
        {
            return 0; // MassTransit declares the error queue with the first parked alert: none yet
        }

        var toMove = Math.Min(parkedAtStart, limit ?? int.MaxValue);
        var moved = 0;
        while (moved < toMove && await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken) is { } parked)
        {
            // The queue's own exchange reaches that queue alone, and the original routing key travels on:
            // the consumer reads severity and type from it, and the alert does not reach the other routes again.
            await channel.BasicPublishAsync(queue, parked.RoutingKey, mandatory: true, WithoutFault(parked.BasicProperties), parked.Body.ToArray(), cancellationToken);
            await channel.BasicAckAsync(parked.DeliveryTag, multiple: false, cancellationToken);
            moved++;
        }

        return moved;
    }

    /// <summary>The alert as it was first delivered, without the fault headers MassTransit added when it parked it.</summary>
    static BasicProperties WithoutFault(IReadOnlyBasicProperties parked)
    {
        var properties = new BasicProperties(parked);
        if (parked.Headers is { } headers)
        {
            properties.Headers = headers
                .Where(header => !header.Key.StartsWith("MT-Fault-", StringComparison.OrdinalIgnoreCase)
                    && !header.Key.Equals("MT-Reason", StringComparison.OrdinalIgnoreCase))
                .ToDictionary();
        }

        return properties;
    }
}
