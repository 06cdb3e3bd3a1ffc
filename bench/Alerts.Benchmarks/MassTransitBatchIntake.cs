using Alerts.Consumer.Admission;
using Alerts.Consumer.Intake;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Silences;
using Alerts.Contracts;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Alerts.Benchmarks;

/// <summary>
/// The grouping route's intake done the other way, through a MassTransit batch consumer: the same admission and the same
/// folding into tallies, confirmed on a RabbitMQ.Client channel before MassTransit acknowledges the batch; only the
/// reader differs. Tuned as MassTransit's documentation advises for batches: the message limit (1,000, as the shipped
/// reader's), a time limit (100 ms), batches in parallel, and a prefetch and concurrent message limit that hold them all.
/// </summary>
public static class MassTransitBatchIntake
{
    public const int MessageLimit = 1000;

    public const int ConcurrencyLimit = 4;

    /// <summary>Reads the bench's critical queue with a batch consumer, in this process, while <paramref name="measure"/> runs.</summary>
    public static async Task<double> MeasureAsync(IReadOnlyDictionary<string, string> broker, Func<Task<double>> measure)
    {
        using var host = await StartAsync(broker);
        try
        {
            return await measure();
        }
        finally
        {
            await host.StopAsync();
            await ((IAsyncDisposable)host).DisposeAsync();
        }
    }

    static async Task<IHost> StartAsync(IReadOnlyDictionary<string, string> broker)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "consumer.appsettings.json"));
        builder.Configuration.AddInMemoryCollection(broker.Select(setting =>
            new KeyValuePair<string, string?>(setting.Key.Replace("__", ":", StringComparison.Ordinal), setting.Value)));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddAlertPipeline();
        builder.Services.AddSingleton<TallyChannel>();
        builder.Services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
        builder.Services.AddAlertsBus(
            bus => bus.AddConsumer<BatchIntakeConsumer>(),
            (context, rabbit) => rabbit.ReceiveEndpoint(BenchBroker.RouteQueue, (IRabbitMqReceiveEndpointConfigurator endpoint) =>
            {
                context.GetRequiredService<IOptions<AlertsOptions>>().Value.RouteNamed("critical").Topology.ConfigureQueue(endpoint);
                endpoint.PrefetchCount = 5 * MessageLimit;
                endpoint.ConfigureConsumer<BatchIntakeConsumer>(context, consumer => consumer.Options<BatchOptions>(batch => batch
                    .SetMessageLimit(MessageLimit)
                    .SetTimeLimit(TimeSpan.FromMilliseconds(100))
                    .SetConcurrencyLimit(ConcurrencyLimit)));
            }));
        var host = builder.Build();
        host.Services.GetRequiredService<SilenceBook>().MarkLoaded(); // no silences in the benchmark's broker
        // The digest queue and the rest, as the shipped reader declares them before it reads.
        var route = host.Services.GetRequiredService<IOptions<AlertsOptions>>().Value.RouteNamed("critical");
        await route.Topology.DeclareAsync(await host.Services.GetRequiredService<TallyChannel>().GetAsync(), CancellationToken.None);
        await host.StartAsync();
        return host;
    }

    /// <summary>Admits each alert of a batch, folds them into tallies and returns once the broker confirmed them.</summary>
    sealed class BatchIntakeConsumer(IOptions<AlertsOptions> options, AlertAdmission admission, TallyFolding folding, TallyChannel tallies)
        : IConsumer<Batch<Alert>>
    {
        public async Task Consume(ConsumeContext<Batch<Alert>> context)
        {
            var route = options.Value.RouteNamed("critical");
            var checkedBatch = context.Message
                .Select(alert => new CheckedDelivery(0, admission.Admit(route, alert.Message, alert.RoutingKey(), alert.MessageId) is { } admitted ? [admitted] : [], []))
                .ToList();
            await folding.FoldAsync(await tallies.GetAsync(), route, checkedBatch, context.CancellationToken);
        }
    }

    /// <summary>One channel with publisher confirms for the tallies, as the shipped reader has one per route.</summary>
    sealed class TallyChannel(IOptions<Alerts.ServiceDefaults.RabbitMqOptions> broker) : IAsyncDisposable
    {
        readonly SemaphoreSlim _opening = new(1);
        IConnection? _connection;
        IChannel? _channel;

        public async Task<IChannel> GetAsync()
        {
            await _opening.WaitAsync();
            try
            {
                _connection ??= await Alerts.ServiceDefaults.BrokerConnection.ConnectAsync(broker.Value, "bench-tallies", CancellationToken.None);
                return _channel ??= await _connection.CreateChannelAsync(new CreateChannelOptions(true, true));
            }
            finally
            {
                _opening.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_channel is not null)
            {
                await _channel.DisposeAsync();
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }
        }
    }
}
