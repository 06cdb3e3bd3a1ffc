using System.Text.Json;
using Alerts.Contracts;
using Alerts.Contracts.History;
using Alerts.ServiceDefaults;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Alerts.Producer.History;

/// <summary>
/// Reads the broker's history stream into the <see cref="AlertBoard"/>: from <see cref="HistoryOptions.Retention"/> ago at
/// start, then each event as it is written (within milliseconds), and on from where it stopped after a broken connection.
/// </summary>
public sealed partial class HistoryFeed(
    AlertBoard board, IOptions<HistoryOptions> options, IOptions<RabbitMqOptions> broker, TimeProvider time, ILogger<HistoryFeed> logger)
    : BackgroundService
{
    // Deliveries are acknowledged (which only gives a stream reader credit) this many at a time, well within the prefetch.
    const int AckEvery = 100;
    const ushort Prefetch = 2000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await BrokerConnection.ConnectAsync(broker.Value, "history", stoppingToken, automaticRecovery: false);
                await using var channel = await StreamQueues.OpenAsync(connection, AlertHistory.Name, stoppingToken);
                var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                channel.ChannelShutdownAsync += (_, shutdown) =>
                {
                    closed.TrySetException(new IOException($"the channel closed: {shutdown.ReplyText}"));
                    return Task.CompletedTask;
                };
                await FollowAsync(channel, stoppingToken);
                await closed.Task.WaitAsync(stoppingToken);
            }
            catch (Exception failure) when (!stoppingToken.IsCancellationRequested)
            {
                LogNotRead(BrokerConnection.Describe(failure, broker.Value));
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    async Task FollowAsync(IChannel channel, CancellationToken stoppingToken)
    {
        var marker = Guid.NewGuid().ToString("N");
        var reader = new AsyncEventingBasicConsumer(channel);
        reader.ReceivedAsync += async (_, delivery) =>
        {
            Apply(delivery, marker);
            if (delivery.DeliveryTag % AckEvery == 0)
            {
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: true);
            }
        };
        await channel.BasicQosAsync(0, Prefetch, global: false, stoppingToken);
        object from = board.NextOffset >= 0
            ? board.NextOffset
            : new AmqpTimestamp((time.GetUtcNow() - options.Value.Retention).ToUnixTimeSeconds());
        await channel.BasicConsumeAsync(AlertHistory.Name, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
            new Dictionary<string, object?> { [StreamQueues.OffsetHeader] = from }, reader, stoppingToken);
        await StreamQueues.PublishAsync(channel, AlertHistory.Name, AlertHistory.MarkerType, ReadOnlyMemory<byte>.Empty, stoppingToken, messageId: marker);
    }

    void Apply(BasicDeliverEventArgs delivery, string marker)
    {
        var offset = StreamQueues.OffsetOf(delivery.BasicProperties);
        try
        {
            switch (delivery.BasicProperties.Type)
            {
                case AlertHistory.EventsType:
                    board.Apply(offset, Read<AlertEvent[]>(delivery));
                    break;
                case AlertHistory.EventType:
                    board.Apply(offset, Read<AlertEvent>(delivery));
                    break;
                case AlertHistory.RouteType:
                    board.Apply(offset, Read<RouteAnnouncement>(delivery));
                    break;
                case AlertHistory.MarkerType:
                    board.Skip(offset);
                    if (delivery.BasicProperties.MessageId == marker)
                    {
                        board.MarkLoaded();
                    }

                    break;
                default:
                    // Bound to the unrouted exchange too: the alert itself, as its publisher wrote it, that no route took.
                    board.Apply(offset, Unrouted(delivery));
                    break;
            }
        }
        catch (Exception unreadable) when (unreadable is JsonException or FormatException or InvalidOperationException)
        {
            board.Skip(offset);
            LogUnreadable(offset, unreadable.Message);
        }
    }

    IReadOnlyList<AlertEvent> Unrouted(BasicDeliverEventArgs delivery) => AlertBatch.IsBatch(delivery.Body.Span)
        ? [.. AlertBatch.Read(delivery.Body.Span).Select(alert => Unrouted(alert, delivery))]
        : [Unrouted(JsonSerializer.Deserialize<Alert>(delivery.Body.Span) ?? throw new JsonException("the body is JSON null"), delivery)];

    AlertEvent Unrouted(Alert alert, BasicDeliverEventArgs delivery)
    {
        var key = RoutingKey.TryParse(delivery.RoutingKey, out var parsed) ? parsed : alert.RoutingKey
            ?? throw new FormatException($"'{delivery.RoutingKey}' is not a routing key");
        var labels = AlertLabels.Of(alert.Labels, key, alert.Source);
        var at = delivery.BasicProperties.IsTimestampPresent()
            ? DateTimeOffset.FromUnixTimeSeconds(delivery.BasicProperties.Timestamp.UnixTime)
            : alert.OccurredAt ?? time.GetUtcNow();
        return new AlertEvent(alert.Resolved == true ? AlertEventKinds.Resolved : AlertEventKinds.Unrouted, at, AlertHistory.Unrouted,
            AlertLabels.Fingerprint(labels), labels, Text: alert.Text, Annotations: alert.Annotations, StartsAt: alert.OccurredAt,
            EndsAt: alert.EndsAt, GeneratorUrl: alert.GeneratorUrl, RoutingKey: key.ToString(), Source: alert.Source);
    }

    static T Read<T>(BasicDeliverEventArgs delivery) =>
        JsonSerializer.Deserialize<T>(delivery.Body.Span, AlertHistory.Json) ?? throw new JsonException("the event is JSON null");

    [LoggerMessage(LogLevel.Warning, "Could not read the alert history from {Broker}; retrying in 5 s")]
    partial void LogNotRead(string broker);

    [LoggerMessage(LogLevel.Warning, "Skipped unreadable message {Offset} of the history stream: {Reason}")]
    partial void LogUnreadable(long offset, string reason);
}
