using Alerts.Consumer.Consumers;
using Alerts.Consumer.Endpoints;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Silences;
using Alerts.Contracts;
using Alerts.TestSupport;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Tests.Support;

/// <summary>
/// The real consumer, mailer and retry policy on MassTransit's in-memory test harness, mailing to a real SMTP sink.
/// The route's endpoint is configured by the code that configures it on RabbitMQ (<see cref="RouteEndpoint.ConsumeRoute"/>),
/// with the shipped settings; what production parks in the error queue is collected in <see cref="ParkedAlerts"/>.
/// </summary>
public static class ConsumerHarness
{
    public static async Task<ServiceProvider> StartAsync(SmtpSink sink, params (string Key, string? Value)[] settings)
    {
        var provider = new ServiceCollection()
            .AddSingleton(ConsumerSettings.Build(sink.Port, settings))
            .AddSingleton<ParkedAlerts>()
            .AddLogging()
            .AddAlertMailing()
            .AddMassTransitTestHarness(bus =>
            {
                bus.AddConsumer<AlertConsumer, AlertConsumerDefinition>();
                bus.UsingInMemory((context, memory) =>
                {
                    memory.UseAlertsSerializer();
                    var alerts = context.GetRequiredService<IOptions<AlertsOptions>>().Value;
                    // Named after the route's queue, as on RabbitMQ; the in-memory transport does not route by topic.
                    memory.ReceiveEndpoint(alerts.Routes["critical"].Queue, endpoint => endpoint.ConsumeRoute(context, alerts));
                    memory.ReceiveEndpoint($"{alerts.Routes["critical"].Queue}_error", endpoint =>
                        endpoint.Handler<Alert>(context.GetRequiredService<ParkedAlerts>().KeepAsync));
                });
            })
            .BuildServiceProvider(true);

        // No broker, so no silence stream: there are no silences to wait for.
        provider.GetRequiredService<SilenceBook>().MarkLoaded();
        await provider.GetRequiredService<ITestHarness>().Start();
        return provider;
    }

    /// <summary>Sends straight to the critical route's queue.</summary>
    public static async Task SendToCriticalAsync(this ITestHarness harness, Alert alert)
    {
        var endpoint = await harness.Bus.GetSendEndpoint(new Uri("queue:critical"));
        await endpoint.Send(alert);
    }

    /// <summary>True once the consumer handled the alert without an exception: mailed, and acknowledged.</summary>
    public static Task<bool> MailedAsync(this ITestHarness harness, Alert alert) =>
        harness.GetConsumerHarness<AlertConsumer>().Consumed.Any<Alert>(consumed => consumed.Context.Message.Id == alert.Id && consumed.Exception is null);
}
