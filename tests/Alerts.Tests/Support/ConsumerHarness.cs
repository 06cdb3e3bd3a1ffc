using Alerts.Consumer.Consumers;
using Alerts.Consumer.Endpoints;
using Alerts.Contracts;
using Alerts.TestSupport;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Tests.Support;

/// <summary>The real consumer, mailer and retry policy on MassTransit's in-memory test harness, mailing to a real SMTP sink.</summary>
public static class ConsumerHarness
{
    public static async Task<ServiceProvider> StartAsync(SmtpSink sink, params (string Key, string? Value)[] settings)
    {
        var provider = new ServiceCollection()
            .AddSingleton(ConsumerSettings.Build(sink.Port, settings))
            .AddLogging()
            .AddAlertMailing()
            .AddMassTransitTestHarness(bus =>
            {
                bus.AddConsumer<AlertConsumer, AlertConsumerDefinition>();
                bus.UsingInMemory((context, memory) =>
                {
                    // One endpoint per route, named after its queue, as on RabbitMQ; one alert at a time so
                    // the SMTP connection count is deterministic.
                    memory.ReceiveEndpoint("critical", endpoint =>
                    {
                        endpoint.ConcurrentMessageLimit = 1;
                        endpoint.ConfigureConsumer<AlertConsumer>(context);
                    });
                });
            })
            .BuildServiceProvider(true);

        await provider.GetRequiredService<ITestHarness>().Start();
        return provider;
    }

    /// <summary>Sends straight to the critical route's queue: the in-memory transport does not route by topic.</summary>
    public static async Task SendToCriticalAsync(this ITestHarness harness, Alert alert)
    {
        var endpoint = await harness.Bus.GetSendEndpoint(new Uri("queue:critical"));
        await endpoint.Send(alert);
    }
}
