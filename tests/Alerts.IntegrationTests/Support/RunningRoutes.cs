using Alerts.TestSupport;

namespace Alerts.IntegrationTests.Support;

/// <summary>
/// A test's whole deployment: its own virtual host, a real SMTP sink, and the critical and rate-limit
/// consumers as two processes from one build, as in docker-compose.
/// </summary>
public sealed class RunningRoutes : IAsyncDisposable
{
    readonly List<Service> _consumers = [];

    RunningRoutes(BrokerVirtualHost broker, SmtpSink sink)
    {
        Broker = broker;
        Sink = sink;
    }

    public BrokerVirtualHost Broker { get; }

    public SmtpSink Sink { get; }

    public IReadOnlyList<Service> Consumers => _consumers;

    public static async Task<RunningRoutes> StartAsync(Broker broker, params string[] serve)
    {
        var routes = new RunningRoutes(await broker.CreateVirtualHostAsync(), await SmtpSink.StartAsync());
        foreach (var route in serve)
        {
            await routes.AddConsumerAsync(route);
        }

        return routes;
    }

    /// <summary>Starts one more consumer process for a route and waits until it consumes.</summary>
    public async Task<Service> AddConsumerAsync(string route, params (string Name, string Value)[] settings)
    {
        var consumer = Service.Consumer(Broker, Sink.Port, route, settings);
        _consumers.Add(consumer);
        var expected = _consumers.Count(existing => existing.Route == route && !existing.HasExited);
        try
        {
            await Broker.WaitForConsumersAsync(route, expected);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}; the consumer printed:{Environment.NewLine}{consumer}", timeout);
        }

        return consumer;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var consumer in _consumers)
        {
            await consumer.DisposeAsync();
        }

        await Sink.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
