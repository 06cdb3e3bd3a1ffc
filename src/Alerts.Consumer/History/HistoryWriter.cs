using System.Buffers;
using System.Text.Json;
using Alerts.Consumer.Settings;
using Alerts.Contracts.History;
using Alerts.ServiceDefaults;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Alerts.Consumer.History;

/// <summary>
/// Appends what <see cref="HistoryRecorder"/> records to the broker's history stream, in batches confirmed by the broker,
/// and announces the routes this replica serves at start and every few hours, so the announcement outlives no retention.
/// </summary>
public sealed partial class HistoryWriter(
    HistoryRecorder recorder, IOptions<AlertsOptions> options, IOptions<SmtpOptions> smtp, IOptions<RabbitMqOptions> broker, TimeProvider time,
    ILogger<HistoryWriter> logger)
    : BackgroundService
{
    const int BatchSize = 500;
    const int BatchBytes = 1024 * 1024;
    static readonly TimeSpan AnnounceEvery = TimeSpan.FromHours(6);

    // How long a batch that is not full waits for more events: each batch is a stream message and a confirm for the
    // broker, and a batch of whatever arrived during the last confirm was a message per few events, which in a drain
    // cost the broker half again as much CPU per mailed alert (0.14 against 0.09 ms).
    static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(100);

    readonly List<AlertEvent> _batch = new(BatchSize);

    // One buffer for every batch: a batch is a few hundred KB, and a new array for each would live on the large object
    // heap until a full collection.
    readonly ArrayBufferWriter<byte> _body = new(256 * 1024);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await BrokerConnection.ConnectAsync(broker.Value, "history", stoppingToken, automaticRecovery: false);
                await using var channel = await StreamQueues.OpenAsync(connection, AlertHistory.Name, stoppingToken);
                await WriteAsync(channel, stoppingToken);
            }
            catch (Exception failure) when (!stoppingToken.IsCancellationRequested)
            {
                LogNotWritten(_batch.Count, BrokerConnection.Describe(failure, broker.Value));
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        recorder.FlushResends(all: true);
        if (recorder.Events.TryPeek(out _) || _batch.Count > 0)
        {
            // What was recorded before the stop is written now, within the host's stop time.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await using var connection = await BrokerConnection.ConnectAsync(broker.Value, "history", deadline.Token, automaticRecovery: false);
                await using var channel = await StreamQueues.OpenAsync(connection, AlertHistory.Name, deadline.Token);
                while (_batch.Count > 0 || recorder.Events.TryPeek(out _))
                {
                    await PublishBatchAsync(channel, deadline.Token);
                }
            }
            catch (Exception failure)
            {
                LogNotWritten(_batch.Count, BrokerConnection.Describe(failure, broker.Value));
            }
        }
    }

    async Task WriteAsync(IChannel channel, CancellationToken stoppingToken)
    {
        var announced = DateTimeOffset.MinValue;
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        var ticked = tick.WaitForNextTickAsync(stoppingToken).AsTask();
        while (true)
        {
            if (time.GetUtcNow() - announced >= AnnounceEvery)
            {
                await AnnounceAsync(channel, stoppingToken);
                announced = time.GetUtcNow();
            }

            var full = await PublishBatchAsync(channel, stoppingToken);
            var first = await Task.WhenAny(recorder.Events.WaitToReadAsync(stoppingToken).AsTask(), ticked);
            await first; // throws once stopping
            if (first == ticked)
            {
                recorder.FlushResends();
                ticked = tick.WaitForNextTickAsync(stoppingToken).AsTask();
            }
            else if (!full)
            {
                // Nothing was left behind: the next batch starts with these events, and may wait for more.
                await Task.Delay(Linger, time, stoppingToken);
            }
        }
    }

    /// <summary>Publishes what waits, up to a batch, as one message; a batch the broker did not confirm is published again.</summary>
    /// <returns>Whether the batch was full, and so may have left events behind.</returns>
    async Task<bool> PublishBatchAsync(IChannel channel, CancellationToken cancellationToken)
    {
        // Far below the broker's message limit (16 MiB in our deployment) even when every event carries a long text.
        var bytes = 0L;
        while (_batch.Count < BatchSize && bytes < BatchBytes && recorder.Events.TryRead(out var next))
        {
            _batch.Add(next);
            bytes += 1024 + 3L * ((next.Text?.Length ?? 0) + (next.Annotations?.Sum(annotation => annotation.Key.Length + annotation.Value.Length) ?? 0));
        }

        if (_batch.Count == 0)
        {
            return false;
        }

        var full = _batch.Count == BatchSize || bytes >= BatchBytes;
        _body.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_body))
        {
            JsonSerializer.Serialize(json, _batch, AlertHistory.Json);
        }

        await StreamQueues.PublishAsync(channel, AlertHistory.Name, AlertHistory.EventsType, _body.WrittenMemory, cancellationToken);
        _batch.Clear();
        return full;
    }

    async Task AnnounceAsync(IChannel channel, CancellationToken cancellationToken)
    {
        foreach (var route in options.Value.ServedRoutes())
        {
            var grouping = route.Options.Grouping;
            var announcement = new RouteAnnouncement(
                route.Name, route.Topology.Bindings, grouping.By, grouping.Enabled, route.Options.To, smtp.Value.From, $"{smtp.Value.Host}:{smtp.Value.Port}",
                [.. route.Options.Webhooks.Select(webhook => new AnnouncedWebhook(webhook.Format.ToString().ToLowerInvariant(), webhook.Host, webhook.MaxAlerts))],
                route.Options.SendResolved,
                grouping.GroupWait, grouping.GroupInterval, grouping.RepeatInterval, time.GetUtcNow(), route.Topology.Queue);
            await StreamQueues.PublishAsync(channel, AlertHistory.Name, AlertHistory.RouteType,
                JsonSerializer.SerializeToUtf8Bytes(announcement, AlertHistory.Json), cancellationToken);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not write the alert history to {Broker} ({Waiting} event(s) wait); retrying in 5 s")]
    partial void LogNotWritten(int waiting, string broker);
}
