using System.Text;
using System.Text.Json;
using Alerts.Contracts.History;
using RabbitMQ.Client;

namespace Alerts.Benchmarks;

/// <summary>The benchmark's view of the broker, through the plain client: topology, fills, purges, and the baseline publisher.</summary>
public sealed class BenchBroker(IReadOnlyDictionary<string, string> settings) : IAsyncDisposable
{
    public const string PublishQueue = "bench_publish";
    public const string RouteQueue = "critical";

    /// <summary>The queue of the webhook scenario's route, which posts and mails nothing.</summary>
    public const string HookQueue = "hooks";

    IConnection? _connection;

    public IReadOnlyDictionary<string, string> Settings { get; } = settings;

    public static BenchBroker FromEnvironment()
    {
        var settings = new Dictionary<string, string>();
        foreach (var name in new[] { "RabbitMq__Host", "RabbitMq__Port", "RabbitMq__VirtualHost", "RabbitMq__Username", "RabbitMq__Password" })
        {
            settings[name] = Environment.GetEnvironmentVariable(name)
                ?? throw new InvalidOperationException($"{name} is not set: run ./scripts/bench.sh, which starts a broker and sets it");
        }

        return new BenchBroker(settings);
    }

    public async Task<IChannel> ChannelAsync(bool confirms = false, ushort dispatchConcurrency = 1)
    {
        _connection ??= await new ConnectionFactory
        {
            HostName = Settings["RabbitMq__Host"],
            Port = int.Parse(Settings["RabbitMq__Port"], System.Globalization.CultureInfo.InvariantCulture),
            VirtualHost = Settings["RabbitMq__VirtualHost"],
            UserName = Settings["RabbitMq__Username"],
            Password = Settings["RabbitMq__Password"],
        }.CreateConnectionAsync();
        return await _connection.CreateChannelAsync(new CreateChannelOptions(confirms, confirms, consumerDispatchConcurrency: dispatchConcurrency));
    }

    /// <summary>
    /// A clean slate with the topology the consumer declares for the critical route (alerts -> critical -> queue
    /// critical, quorum), plus a queue bound to every key that keeps publish benchmarks' messages.
    /// </summary>
    public async Task ResetAsync()
    {
        await using var channel = await ChannelAsync();
        foreach (var queue in new[] { PublishQueue, RouteQueue, $"{RouteQueue}_error", $"{RouteQueue}.digest", HookQueue, $"{HookQueue}_error" })
        {
            await channel.QueueDeleteAsync(queue);
        }

        await channel.ExchangeDeleteAsync(HookQueue);

        var quorum = new Dictionary<string, object?> { ["x-queue-type"] = "quorum" };
        await channel.ExchangeDeclareAsync("alerts", ExchangeType.Topic, durable: true);
        await channel.QueueDeclareAsync(PublishQueue, durable: true, exclusive: false, autoDelete: false, quorum);
        await channel.QueueBindAsync(PublishQueue, "alerts", "#");
        await channel.ExchangeDeclareAsync(RouteQueue, ExchangeType.Fanout, durable: true);
        await channel.QueueDeclareAsync(RouteQueue, durable: true, exclusive: false, autoDelete: false, quorum);
        await channel.QueueBindAsync(RouteQueue, RouteQueue, "");
        await channel.ExchangeBindAsync(RouteQueue, "alerts", "critical.*");
    }

    /// <summary>An empty history stream: a front door started on it reads nothing that earlier sections or runs wrote.</summary>
    public async Task ResetHistoryAsync()
    {
        await using var channel = await ChannelAsync();
        await channel.QueueDeleteAsync(AlertHistory.Name);
        await channel.ExchangeDeclareAsync(AlertHistory.Name, ExchangeType.Fanout, durable: true);
        await channel.QueueDeclareAsync(AlertHistory.Name, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-queue-type"] = "stream" });
        await channel.QueueBindAsync(AlertHistory.Name, AlertHistory.Name, "");
    }

    public async Task PurgeAsync(string queue)
    {
        await using var channel = await ChannelAsync();
        await channel.QueuePurgeAsync(queue);
    }

    public async Task<uint> ReadyAsync(string queue)
    {
        await using var channel = await ChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    /// <summary>Consumers on the queue; none while the queue does not exist yet (its consumer declares it).</summary>
    public async Task<uint> ConsumersAsync(string queue)
    {
        await using var channel = await ChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).ConsumerCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException missing) when (missing.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    /// <summary>Publishes <paramref name="count"/> alerts at <paramref name="perSecond"/>, each confirmed before the next.</summary>
    public async Task PublishSteadilyAsync(string routingKey, int count, double perSecond, IDictionary<Guid, DateTimeOffset> publishedAt)
    {
        await using var channel = await ChannelAsync(confirms: true);
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var start = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond);
            if (due > start.Elapsed)
            {
                await Task.Delay(due - start.Elapsed);
            }

            var (id, body) = Body(i);
            publishedAt[id] = DateTimeOffset.UtcNow;
            await channel.BasicPublishAsync("alerts", routingKey, mandatory: false, properties, body);
        }
    }

    /// <summary>
    /// The broker's own floor under a single-alert request: RabbitMQ.Client publishing one persistent alert at a time at a
    /// steady rate, each timed until its confirm (p50 and p99, ms). Every confirm waits for the quorum queues' disk write.
    /// </summary>
    public async Task<(double P50, double P99)> ConfirmLatencyAsync(string routingKey, int count, double perSecond)
    {
        await using var channel = await ChannelAsync(confirms: true);
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var start = System.Diagnostics.Stopwatch.StartNew();
        var inFlight = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond);
            if (due > start.Elapsed)
            {
                await Task.Delay(due - start.Elapsed);
            }

            var body = Body(i).Body;
            inFlight.Add(Task.Run(async () =>
            {
                var sent = System.Diagnostics.Stopwatch.StartNew();
                await channel.BasicPublishAsync("alerts", routingKey, mandatory: false, properties, body);
                latencies.Add(sent.Elapsed.TotalMilliseconds);
            }));
        }

        await Task.WhenAll(inFlight);
        var ordered = latencies.Order().ToList();
        return (ordered[ordered.Count / 2], ordered[(int)(ordered.Count * 0.99)]);
    }

    /// <summary>The baseline: RabbitMQ.Client alone, persistent, publisher confirms, up to <paramref name="inFlight"/> unconfirmed.</summary>
    /// <param name="distinctSources">Each alert from a source of its own (a group of its own), rather than all from one.</param>
    public async Task<TimeSpan> PublishPlainAsync(
        string routingKey, int count, int inFlight, IDictionary<Guid, DateTimeOffset>? publishedAt = null, bool distinctSources = false)
    {
        await using var channel = await ChannelAsync(confirms: true);
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        using var window = new SemaphoreSlim(inFlight);
        var pending = new List<Task>(count);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await window.WaitAsync();
            var (id, body) = Body(i, distinctSources ? $"host-{i}" : "alerts-benchmark");
            publishedAt?.Add(id, DateTimeOffset.UtcNow);
            pending.Add(PublishOneAsync(channel, routingKey, properties, body, window));
        }

        await Task.WhenAll(pending);
        return watch.Elapsed;
    }

    static async Task PublishOneAsync(IChannel channel, string routingKey, BasicProperties properties, byte[] body, SemaphoreSlim window)
    {
        try
        {
            await channel.BasicPublishAsync("alerts", routingKey, mandatory: false, properties, body);
        }
        finally
        {
            window.Release();
        }
    }

    /// <summary>An alert of about 200 bytes, as the wire agreement has it, stamped with the time it is published.</summary>
    public static (Guid Id, byte[] Body) Body(int index, string source = "alerts-benchmark")
    {
        var id = Guid.NewGuid();
        return (id, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            id,
            severity = "critical",
            type = "bench",
            text = $"Benchmark alert {index}: upstream latency above threshold on api-gateway",
            source,
            occurredAt = DateTimeOffset.UtcNow,
        })));
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
