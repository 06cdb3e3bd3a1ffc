using System.Text.Json;
using System.Threading.Channels;
using Alerts.Consumer.Consumers;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Silences;
using Alerts.Consumer.Telemetry;
using Alerts.Contracts;
using Alerts.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Alerts.Consumer.Digests;

/// <summary>
/// Takes a grouping route's alerts off its queue as fast as RabbitMQ delivers them: checks each, drops what a silence
/// mutes, folds a batch (up to <see cref="BatchSize"/> alerts, or what came within 100 ms) into one tally per group,
/// sends the tallies to the route's digest queue with publisher confirms, and only then acknowledges the whole batch.
/// A malformed alert is parked alone in the route's error queue with its reason, as MassTransit parks one.
/// </summary>
/// <remarks>
/// Read with RabbitMQ.Client, not through a MassTransit receive endpoint: MassTransit's per-message pipeline tops out
/// near 10,000 alerts/s on two cores even for a batch consumer that does nothing (measured with the benchmark's storm
/// scenario), a storm's pace; this reader folds several times that, and more replicas add to it.
/// </remarks>
public sealed partial class AlertIntake(
    IOptions<AlertsOptions> options, IOptions<RabbitMqOptions> broker, SilenceBook silences, AlertMetrics metrics, TimeProvider time,
    ILogger<AlertIntake> logger) : BackgroundService, IHealthCheck
{
    public const int BatchSize = 1000;

    // Batches folded while earlier ones wait for the broker's confirm; the prefetch leaves room for one more to arrive.
    const int MaxUnconfirmedBatches = 3;

    static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(100);
    static readonly JsonSerializerOptions TallyJson = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    readonly AlertsOptions _alerts = options.Value;
    int _reading;

    /// <summary>Ready once every grouping route this replica serves is being read; part of <c>/health/ready</c>.</summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var routes = _alerts.ServedRoutes().Count(served => served.Route.Grouping.Enabled);
        var reading = Volatile.Read(ref _reading);
        return Task.FromResult(reading == routes
            ? HealthCheckResult.Healthy($"reading {reading} grouping route(s)")
            : HealthCheckResult.Unhealthy($"reading {reading} of {routes} grouping route(s)"));
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_alerts.ServedRoutes()
            .Where(served => served.Route.Grouping.Enabled)
            .Select(served => ReadRouteAsync(served.Name, served.Route, stoppingToken)));

    async Task ReadRouteAsync(string routeName, RouteOptions route, CancellationToken stoppingToken)
    {
        await silences.Loaded.WaitAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // No automatic recovery: a batch is acknowledged by delivery tag, and tags do not survive a new channel.
                // What was delivered and not acknowledged goes back to the queue when the channel closes.
                await using var connection = await BrokerConnection.ConnectAsync(broker.Value, $"intake-{routeName}", stoppingToken, automaticRecovery: false);
                await using var channel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), stoppingToken);
                await DeclareAsync(channel, route, stoppingToken);
                await channel.BasicQosAsync(0, (MaxUnconfirmedBatches + 2) * BatchSize, global: false, stoppingToken);

                var deliveries = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
                var reader = new AsyncEventingBasicConsumer(channel);
                reader.ReceivedAsync += (_, delivery) =>
                {
                    deliveries.Writer.TryWrite(Check(delivery, routeName, route));
                    return Task.CompletedTask;
                };
                channel.ChannelShutdownAsync += (_, shutdown) =>
                {
                    deliveries.Writer.TryComplete(new IOException($"the channel closed: {shutdown.ReplyText}"));
                    return Task.CompletedTask;
                };
                await channel.BasicConsumeAsync(route.Queue, autoAck: false, reader, stoppingToken);
                Interlocked.Increment(ref _reading);
                try
                {
                    await FoldAsync(channel, deliveries.Reader, routeName, route, stoppingToken);
                }
                finally
                {
                    Interlocked.Decrement(ref _reading);
                }
            }
            catch (Exception failure) when (!stoppingToken.IsCancellationRequested)
            {
                LogInterrupted(routeName, BrokerConnection.Describe(failure, broker.Value));
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    /// <summary>
    /// Folds batch after batch. The broker's confirm of a batch's tallies takes a disk write; meanwhile the next batches
    /// are folded, and each batch is acknowledged, in order, once its tallies are confirmed.
    /// </summary>
    async Task FoldAsync(IChannel channel, ChannelReader<Delivery> deliveries, string routeName, RouteOptions route, CancellationToken stoppingToken)
    {
        var unconfirmed = new Queue<(Task Confirmed, ulong LastDeliveryTag)>();
        while (true)
        {
            if (!deliveries.TryPeek(out _))
            {
                // Nothing waiting: acknowledge what is confirmed rather than hold it until the next alert comes.
                await AcknowledgeAsync(channel, unconfirmed, keep: 0, stoppingToken);
            }

            if (!await deliveries.WaitToReadAsync(stoppingToken))
            {
                return;
            }

            var batch = await CollectAsync(deliveries, stoppingToken);
            unconfirmed.Enqueue((FoldBatchAsync(channel, batch, routeName, route, stoppingToken), batch[^1].DeliveryTag));
            await AcknowledgeAsync(channel, unconfirmed, keep: MaxUnconfirmedBatches, stoppingToken);
        }
    }

    /// <summary>Up to <see cref="BatchSize"/> alerts, or what came within 100 ms of the first.</summary>
    static async Task<List<Delivery>> CollectAsync(ChannelReader<Delivery> deliveries, CancellationToken stoppingToken)
    {
        var batch = new List<Delivery>(BatchSize);
        using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        window.CancelAfter(BatchWindow);
        try
        {
            do
            {
                while (batch.Count < BatchSize && deliveries.TryRead(out var delivery))
                {
                    batch.Add(delivery);
                }
            }
            while (batch.Count < BatchSize && await deliveries.WaitToReadAsync(window.Token));
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // The batch window closed: fold what came.
        }

        return batch;
    }

    /// <summary>Acknowledges, oldest first, the batches whose tallies are confirmed, waiting for more while over <paramref name="keep"/>.</summary>
    static async Task AcknowledgeAsync(IChannel channel, Queue<(Task Confirmed, ulong LastDeliveryTag)> unconfirmed, int keep, CancellationToken cancellationToken)
    {
        while (unconfirmed.TryPeek(out var oldest) && (oldest.Confirmed.IsCompleted || unconfirmed.Count > keep))
        {
            await oldest.Confirmed;
            await channel.BasicAckAsync(oldest.LastDeliveryTag, multiple: true, cancellationToken);
            unconfirmed.Dequeue();
        }
    }

    /// <summary>Folds one batch and sends its tallies (and what it parks); completes once the broker confirmed them all.</summary>
    Task FoldBatchAsync(IChannel channel, List<Delivery> batch, string routeName, RouteOptions route, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var tallies = new Dictionary<string, AlertTally>(StringComparer.Ordinal);
        var sends = new List<Task>();
        foreach (var delivery in batch)
        {
            if (delivery is not { Alert: { } alert, Group: { } group })
            {
                sends.Add(ParkAsync(channel, routeName, route, delivery, cancellationToken));
                continue;
            }

            if (alert.Resolved && !route.SendResolved)
            {
                continue;
            }

            if (silences.Mutes(alert, routeName, group))
            {
                continue;
            }

            if (!tallies.TryGetValue(group, out var tally))
            {
                tallies[group] = tally = new AlertTally { Group = group, First = WholeAlert.From(alert), Resolved = alert.Resolved };
            }

            tally.Add(alert, alert.OccurredAt ?? now);
        }

        var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
        sends.AddRange(tallies.Values.Select(tally =>
            channel.BasicPublishAsync(route.DigestQueue, "", mandatory: true, properties, JsonSerializer.SerializeToUtf8Bytes(tally, TallyJson), cancellationToken).AsTask()));
        return Task.WhenAll(sends);
    }

    /// <summary>
    /// Reads and checks an alert as it is delivered, on the client's dispatch thread, while the batch before is folded.
    /// A malformed one keeps its body and the reason, to be parked.
    /// </summary>
    Delivery Check(BasicDeliverEventArgs delivery, string routeName, RouteOptions route)
    {
        try
        {
            var received = Read(delivery.BasicProperties.ContentType, delivery.Body);
            metrics.Delivered(routeName, retryAttempt: 0, received.OccurredAt);
            var messageId = Guid.TryParse(delivery.BasicProperties.MessageId, out var id) ? id : (Guid?)null;
            var alert = RoutedAlert.From(received, delivery.RoutingKey, messageId, _alerts.MaxTextLength);
            return new Delivery(delivery.DeliveryTag, delivery.RoutingKey, delivery.BasicProperties, alert, alert.GroupKey(route.Grouping.By));
        }
        catch (Exception invalid) when (invalid is InvalidAlertException or JsonException)
        {
            return new Delivery(delivery.DeliveryTag, delivery.RoutingKey, delivery.BasicProperties, Unreadable: delivery.Body.ToArray(), Reason: invalid.Message);
        }
    }

    /// <summary>Plain JSON (or the book's bare string), or MassTransit's envelope from a .NET publisher configured for it.</summary>
    static Alert Read(string? contentType, ReadOnlyMemory<byte> body) => contentType switch
    {
        null or "" or "application/json" or "text/plain" => JsonSerializer.Deserialize<Alert>(body.Span)
            ?? throw new InvalidAlertException("the body is JSON null, not an alert"),
        "application/vnd.masstransit+json" => Envelope(body),
        var other => throw new InvalidAlertException($"content type '{other}' is not application/json"),
    };

    static Alert Envelope(ReadOnlyMemory<byte> body)
    {
        using var envelope = JsonDocument.Parse(body);
        return envelope.RootElement.TryGetProperty("message", out var message) && message.Deserialize<Alert>() is { } alert
            ? alert
            : throw new InvalidAlertException("the MassTransit envelope holds no alert");
    }

    /// <summary>Into the route's error queue, where replay finds it, with the headers MassTransit would add.</summary>
    async Task ParkAsync(IChannel channel, string routeName, RouteOptions route, Delivery delivery, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties(delivery.Properties)
        {
            Headers = new Dictionary<string, object?>(delivery.Properties.Headers ?? new Dictionary<string, object?>())
            {
                ["MT-Reason"] = "fault",
                ["MT-Fault-ExceptionType"] = nameof(InvalidAlertException),
                ["MT-Fault-Message"] = delivery.Reason,
                ["MT-Fault-Timestamp"] = time.GetUtcNow().ToString("O"),
            },
        };
        await channel.BasicPublishAsync($"{route.Queue}_error", delivery.RoutingKey, mandatory: true, properties, delivery.Unreadable, cancellationToken);
        metrics.Parked(routeName);
        LogParked(delivery.Properties.MessageId ?? "(no id)", route.Queue, delivery.Reason ?? "");
    }

    /// <summary>The route's queue, its error queue and its digest queue, with the arguments the bus and the deployment give them.</summary>
    async Task DeclareAsync(IChannel channel, RouteOptions route, CancellationToken cancellationToken)
    {
        var quorum = _alerts.QueueType == QueueType.Quorum;
        await AlertsTopology.DeclareRouteAsync(channel, route.Queue, route.Bindings, quorum, cancellationToken);
        await AlertsTopology.DeclareQueueAsync(channel, $"{route.Queue}_error",
            quorum ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" } : null, cancellationToken);
        await AlertsTopology.DeclareQueueAsync(channel, route.DigestQueue,
            quorum
                ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum", ["x-single-active-consumer"] = true }
                : new Dictionary<string, object?> { ["x-single-active-consumer"] = true },
            cancellationToken);
    }

    /// <summary>A delivery, checked: its alert and the alert's group, or the body that could not be read and why.</summary>
    sealed record Delivery(
        ulong DeliveryTag, string RoutingKey, IReadOnlyBasicProperties Properties,
        RoutedAlert? Alert = null, string? Group = null, byte[]? Unreadable = null, string? Reason = null);

    [LoggerMessage(LogLevel.Error, "Parked alert {MessageId} from {Queue} in its error queue: {Reason}")]
    partial void LogParked(string messageId, string queue, string reason);

    [LoggerMessage(LogLevel.Warning, "Stopped reading route {Route} ({Broker}); its unacknowledged alerts are back in its queue; reconnecting in 5 s")]
    partial void LogInterrupted(string route, string broker);
}
