using System.Collections.Concurrent;
using Alerts.Contracts;
using Alerts.Producer;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerts.IntegrationTests.Support;

/// <summary>
/// An application that publishes alerts through the producer API at a steady rate, as a web app would,
/// and remembers which ones the broker confirmed: those are the alerts that must never be lost.
/// </summary>
public sealed class AlertLoad : IAsyncDisposable
{
    readonly IHost _host;
    readonly ConcurrentQueue<Guid> _confirmed = new();
    int _unconfirmed;

    AlertLoad(IHost host) => _host = host;

    public IReadOnlyCollection<Guid> Confirmed => _confirmed;

    /// <summary>Publishes that the broker did not confirm (it was down): the application knows to try again.</summary>
    public int Unconfirmed => Volatile.Read(ref _unconfirmed);

    /// <param name="settings">The producer's RabbitMq__* settings, as a service reads them from its environment.</param>
    public static async Task<AlertLoad> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings.Select(setting =>
            new KeyValuePair<string, string?>(setting.Key.Replace("__", ":", StringComparison.Ordinal), setting.Value)));
        // It logs every reconnect attempt while the broker is down; the test reads what was confirmed instead.
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Services.AddAlertsProducer();
        builder.Services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
        var host = builder.Build();
        await host.StartAsync();
        return new AlertLoad(host);
    }

    /// <summary>Publishes <paramref name="count"/> alerts at about <paramref name="perSecond"/>, each awaited up to its confirmation.</summary>
    public async Task PublishAsync(string routingKey, int count, int perSecond)
    {
        var key = RoutingKey.Parse(routingKey);
        var interval = TimeSpan.FromSeconds(1.0 / perSecond);
        var start = DateTime.UtcNow;
        for (var i = 0; i < count; i++)
        {
            var due = start + (interval * i);
            if (due > DateTime.UtcNow)
            {
                await Task.Delay(due - DateTime.UtcNow);
            }

            await using var scope = _host.Services.CreateAsyncScope();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                var alert = await scope.ServiceProvider.GetRequiredService<AlertPublisher>().PublishAsync(key, $"load alert {i}", "alert-load", timeout.Token);
                _confirmed.Enqueue(alert.Id!.Value);
            }
            catch (Exception failure) when (failure is OperationCanceledException or MassTransitException or RabbitMQ.Client.Exceptions.RabbitMQClientException)
            {
                Interlocked.Increment(ref _unconfirmed);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(stopping.Token);
        _host.Dispose();
    }
}
