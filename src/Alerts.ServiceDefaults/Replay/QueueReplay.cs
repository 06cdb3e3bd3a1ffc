using Alerts.Contracts;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Alerts.ServiceDefaults.Replay;

/// <summary>
/// Moves messages that wait in a queue back to where they are consumed: what a route parked (alerts from its error
/// queue, digests from its digest error queue) back to the queue it came from, for the operator who fixed the mail
/// server, and unrouted alerts to the alerts exchange, once a route for them exists. Each message is republished,
/// confirmed by the broker, and only then removed: killed half-way, the replay loses nothing (at worst the message in
/// hand is in both queues, and is notified at least once).
/// </summary>
public sealed class QueueReplay(IOptions<RabbitMqOptions> broker) : IAsyncDisposable
{
    readonly SemaphoreSlim _connecting = new(1, 1);
    IConnection? _counting;

    /// <summary>What a replay moves: the messages in <paramref name="From"/>, republished to <paramref name="ToExchange"/> with their own routing keys.</summary>
    public sealed record Move(string From, string ToExchange, string Description);

    /// <summary>
    /// What a route parked: its alerts, then its digests. A queue's own exchange reaches that queue alone, and an alert's
    /// routing key travels on: the consumer reads severity and type from it, and the alert reaches no other route again.
    /// </summary>
    public static IReadOnlyList<Move> Parked(RouteTopology route) =>
    [
        new(route.ErrorQueue, route.Queue, $"parked alert(s) from {route.ErrorQueue} back to {route.Queue}"),
        new(route.DigestErrorQueue, route.DigestQueue, $"parked digest message(s) from {route.DigestErrorQueue} back to {route.DigestQueue}"),
    ];

    /// <summary>Alerts no route took: the alerts exchange routes each anew, and one that still reaches no route waits in the unrouted queue again.</summary>
    public static Move Unrouted { get; } = new(AlertsTopology.UnroutedQueue, AlertsTopology.ExchangeName,
        $"unrouted alert(s) from {AlertsTopology.UnroutedQueue} back to the {AlertsTopology.ExchangeName} exchange");

    /// <summary>How many messages wait in each queue now; a queue not declared yet (nothing parked so far) holds none.</summary>
    public async Task<Dictionary<string, long>> WaitingAsync(IEnumerable<string> queues, CancellationToken cancellationToken)
    {
        var connection = await CountingConnectionAsync(cancellationToken);
        var waiting = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var queue in queues.Distinct())
        {
            // A passive declare of a missing queue closes its channel: one channel each.
            await using var channel = await connection.OpenChannelAsync(null, cancellationToken);
            try
            {
                waiting[queue] = (await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount;
            }
            catch (OperationInterruptedException missing) when (missing.ShutdownReason?.ReplyCode == 404)
            {
                waiting[queue] = 0;
            }
        }

        return waiting;
    }

    /// <summary>One connection for the counts a page asks for every few seconds, opened again once it closed.</summary>
    async Task<IConnection> CountingConnectionAsync(CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_counting is not { IsOpen: true })
            {
                if (_counting is not null)
                {
                    await _counting.DisposeAsync();
                }

                _counting = await BrokerConnection.ConnectAsync(broker.Value, "parked-count", cancellationToken);
            }

            return _counting;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_counting is not null)
        {
            await _counting.DisposeAsync();
        }

        _connecting.Dispose();
    }

    /// <summary>Replays up to <paramref name="limit"/> alerts (all when null) that were waiting when the replay began.</summary>
    /// <returns>How many alerts were moved.</returns>
    public async Task<int> ReplayAsync(Move move, int? limit, CancellationToken cancellationToken)
    {
        await using var connection = await BrokerConnection.ConnectAsync(broker.Value, "replay", cancellationToken);
        await using var channel = await connection.OpenChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);

        // Only what waited before we began: alerts that fail again (or reach no route again) wait for the next replay.
        int waitingAtStart;
        try
        {
            waitingAtStart = (int)(await channel.QueueDeclarePassiveAsync(move.From, cancellationToken)).MessageCount;
        }
        catch (OperationInterruptedException missing) when (missing.ShutdownReason?.ReplyCode == 404)
        {
            return 0; // MassTransit declares an error queue with the first parked alert: none yet
        }

        var toMove = Math.Min(waitingAtStart, limit ?? int.MaxValue);
        var moved = 0;
        while (moved < toMove && await channel.BasicGetAsync(move.From, autoAck: false, cancellationToken) is { } waiting)
        {
            await channel.BasicPublishAsync(move.ToExchange, waiting.RoutingKey, mandatory: true, AsFirstPublished(waiting.BasicProperties),
                waiting.Body.ToArray(), cancellationToken);
            await channel.BasicAckAsync(waiting.DeliveryTag, multiple: false, cancellationToken);
            moved++;
        }

        return moved;
    }

    /// <summary>The alert as it was first published, without the headers MassTransit added when it parked it.</summary>
    static BasicProperties AsFirstPublished(IReadOnlyBasicProperties waiting)
    {
        var properties = new BasicProperties(waiting);
        if (waiting.Headers is { } headers)
        {
            properties.Headers = headers
                .Where(header => !header.Key.StartsWith("MT-Fault-", StringComparison.OrdinalIgnoreCase)
                    && !header.Key.Equals("MT-Reason", StringComparison.OrdinalIgnoreCase)
                    && !header.Key.Equals(AlertsTopology.UnroutedHeader, StringComparison.OrdinalIgnoreCase))
                .ToDictionary();
        }

        return properties;
    }
}
