using Alerts.Consumer.Intake;
using Alerts.Consumer.Notifications;
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
/// The real pipeline (admission, notification, the mail receiver and the retry policy) on MassTransit's in-memory test
/// harness, mailing to a real SMTP sink. The critical route's queue and digest queue are configured by the code that
/// configures them on RabbitMQ (<see cref="RouteEndpoints"/>), with the shipped settings; what production parks in the
/// error queues is collected in <see cref="ErrorQueues"/>.
/// </summary>
public static class ConsumerHarness
{
    public static async Task<ServiceProvider> StartAsync(SmtpSink sink, params (string Key, string? Value)[] settings)
    {
        var provider = new ServiceCollection()
            .AddSingleton(ConsumerSettings.Build(sink.Port, settings))
            .AddSingleton<ErrorQueues>()
            .AddLogging()
            .AddAlertPipeline()
            // As in production: stopping cancels what a consumer still holds (a tally waits for its group), so a test
            // that fails with a tally held fails rather than hangs while the bus stops.
            .Configure<MassTransitHostOptions>(host =>
            {
                host.ConsumerStopTimeout = TimeSpan.FromSeconds(2);
                host.StopTimeout = TimeSpan.FromSeconds(5);
            })
            .AddMassTransitTestHarness(bus =>
            {
                bus.AddAlertConsumers();
                bus.UsingInMemory((context, memory) =>
                {
                    memory.UseAlertsSerializer();
                    var alerts = context.GetRequiredService<IOptions<AlertsOptions>>().Value;
                    var errors = context.GetRequiredService<ErrorQueues>();
                    // Named as on RabbitMQ; the in-memory transport does not route by topic, so tests send to the queues.
                    var critical = alerts.RouteNamed("critical").Topology;
                    memory.ReceiveEndpoint(critical.Queue, endpoint => endpoint.ConsumeAlerts(context, alerts));
                    memory.ReceiveEndpoint(critical.DigestQueue, endpoint => endpoint.ConsumeDigests(context, alerts));
                    memory.ReceiveEndpoint(critical.ErrorQueue, endpoint => endpoint.Handler<Alert>(errors.KeepAsync));
                    memory.ReceiveEndpoint(critical.DigestErrorQueue, endpoint => endpoint.Handler<Notification>(errors.KeepAsync));
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

    /// <summary>Sends to the critical route's digest queue, as the replica that aggregates the route does.</summary>
    public static async Task SendToCriticalDigestsAsync(this ITestHarness harness, Notification notification)
    {
        var endpoint = await harness.Bus.GetSendEndpoint(new Uri("queue:critical.digest"));
        await endpoint.Send(notification);
    }

    /// <summary>True once the consumer handled the alert without an exception: mailed, and acknowledged.</summary>
    public static Task<bool> MailedAsync(this ITestHarness harness, Alert alert) =>
        harness.GetConsumerHarness<AlertConsumer>().Consumed.Any<Alert>(consumed => consumed.Context.Message.Id == alert.Id && consumed.Exception is null);
}
