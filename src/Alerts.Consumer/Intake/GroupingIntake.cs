using System.Threading.Channels;
using Alerts.Consumer.Settings;
using Alerts.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Alerts.Consumer.Intake;

/// <summary>
/// Reads a grouping route's queue on every replica, as fast as RabbitMQ delivers: each alert passes admission as it
/// arrives; a batch (up to <see cref="BatchSize"/> alerts, or what came within 100 ms) is folded into one tally per group
/// (<see cref="TallyFolding"/>), and the whole batch is acknowledged once the broker confirmed its tallies.
/// </summary>
/// <remarks>
/// Read with RabbitMQ.Client rather than through a MassTransit receive endpoint: MassTransit's receive pipeline costs
/// more per message than a storm leaves (the benchmark's storm scenario measures both readers side by side).
/// </remarks>
public sealed partial class GroupingIntake(
    IOptions<AlertsOptions> options, IOptions<RabbitMqOptions> broker, TallyFolding folding, ILogger<GroupingIntake> logger)
    : BackgroundService, IHealthCheck
{
    public const int BatchSize = 1000;

    // Batches folded while earlier ones wait for the broker's confirm; the prefetch leaves room for one more to arrive.
    const int MaxUnconfirmedBatches = 3;

    static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(100);

    readonly AlertsOptions _alerts = options.Value;
    int _reading;

    /// <summary>Ready once every grouping route this replica serves is being read; part of <c>/health/ready</c>.</summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var routes = GroupingRoutes().Count();
        var reading = Volatile.Read(ref _reading);
        return Task.FromResult(reading == routes
            ? HealthCheckResult.Healthy($"reading {reading} grouping route(s)")
            : HealthCheckResult.Unhealthy($"reading {reading} of {routes} grouping route(s)"));
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(GroupingRoutes().Select(route => ReadRouteAsync(route, stoppingToken)));

    IEnumerable<Route> GroupingRoutes() => _alerts.ServedRoutes().Where(route => route.Options.Grouping.Enabled);

    async Task ReadRouteAsync(Route route, CancellationToken stoppingToken)
    {
        await folding.Ready.WaitAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // No automatic recovery: a batch is acknowledged by delivery tag, and tags do not survive a new channel.
                // What was delivered and not acknowledged goes back to the queue when the channel closes.
                await using var connection = await BrokerConnection.ConnectAsync(broker.Value, $"intake-{route.Name}", stoppingToken, automaticRecovery: false);
                await using var channel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), stoppingToken);
                await route.Topology.DeclareAsync(channel, stoppingToken);
                await channel.BasicQosAsync(0, (MaxUnconfirmedBatches + 2) * BatchSize, global: false, stoppingToken);

                var deliveries = Channel.CreateUnbounded<CheckedDelivery>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
                var reader = new AsyncEventingBasicConsumer(channel);
                reader.ReceivedAsync += (_, delivery) =>
                {
                    deliveries.Writer.TryWrite(folding.Check(route, delivery));
                    return Task.CompletedTask;
                };
                channel.ChannelShutdownAsync += (_, shutdown) =>
                {
                    deliveries.Writer.TryComplete(new IOException($"the channel closed: {shutdown.ReplyText}"));
                    return Task.CompletedTask;
                };
                await channel.BasicConsumeAsync(route.Topology.Queue, autoAck: false, reader, stoppingToken);
                Interlocked.Increment(ref _reading);
                try
                {
                    await FoldAsync(channel, deliveries.Reader, route, stoppingToken);
                }
                finally
                {
                    Interlocked.Decrement(ref _reading);
                }
            }
            catch (Exception failure) when (!stoppingToken.IsCancellationRequested)
            {
                LogInterrupted(route.Name, BrokerConnection.Describe(failure, broker.Value));
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    /// <summary>
    /// Folds batch after batch. The broker's confirm of a batch's tallies takes a disk write; meanwhile the next batches
    /// are folded, and each batch is acknowledged, in order, once its tallies are confirmed.
    /// </summary>
    async Task FoldAsync(IChannel channel, ChannelReader<CheckedDelivery> deliveries, Route route, CancellationToken stoppingToken)
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
            unconfirmed.Enqueue((folding.FoldAsync(channel, route, batch, stoppingToken), batch[^1].DeliveryTag));
            await AcknowledgeAsync(channel, unconfirmed, keep: MaxUnconfirmedBatches, stoppingToken);
        }
    }

    /// <summary>Up to <see cref="BatchSize"/> alerts, or what came within 100 ms of the first.</summary>
    static async Task<List<CheckedDelivery>> CollectAsync(ChannelReader<CheckedDelivery> deliveries, CancellationToken stoppingToken)
    {
        var batch = new List<CheckedDelivery>(BatchSize);
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

    [LoggerMessage(LogLevel.Warning, "Stopped reading route {Route} ({Broker}); its unacknowledged alerts are back in its queue; reconnecting in 5 s")]
    partial void LogInterrupted(string route, string broker);
}
