using Alerts.Consumer.Admission;
using Alerts.Consumer.Aggregation;
using Alerts.Consumer.History;
using Alerts.Consumer.Intake;
using Alerts.Consumer.Mail;
using Alerts.Consumer.Notifications;
using Alerts.ServiceDefaults.Replay;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Silences;
using Alerts.Consumer.Telemetry;
using Alerts.Consumer.Webhooks;
using Alerts.Contracts;
using Alerts.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class ConsumerServiceCollectionExtensions
{
    /// <summary>Adds the alert pipeline, the silence feed and the bus, and the readers of the routes this instance serves.</summary>
    public static IServiceCollection AddAlertsConsumer(this IServiceCollection services) =>
        services
            .Configure<MassTransitHostOptions>(host =>
            {
                // On SIGTERM, notifications in progress get 10 s to be accepted and acknowledged; after that their messages
                // (and any waiting for a retry) go back to the queue, well within the host's 30 s.
                host.ConsumerStopTimeout = TimeSpan.FromSeconds(10);
                host.StopTimeout = TimeSpan.FromSeconds(25);
            })
            .AddAlertPipeline()
            .AddSilenceFeed()
            .AddAlertsBus(
                bus => bus.AddAlertConsumers(),
                (context, rabbit) =>
                {
                    var alerts = context.GetRequiredService<IOptions<AlertsOptions>>().Value;
                    RouteTopology.ConfigureErrorQueues(rabbit);
                    foreach (var route in alerts.ServedRoutes())
                    {
                        rabbit.ConfigureRoute(context, alerts, route);
                    }
                })
            .AddSingleton<GroupingIntake>()
            .AddHostedService(services => services.GetRequiredService<GroupingIntake>())
            .AddHostedService<AggregationScheduler>()
            .AddHostedService<HistoryWriter>()
            .AddHealthChecks().AddCheck<GroupingIntake>("grouping-intake", tags: ["ready"]).Services;

    /// <summary>The consumers of the bus: alerts of a route that notifies each alone, and a digest queue's tallies and notifications.</summary>
    public static IBusRegistrationConfigurator AddAlertConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<AlertConsumer>();
        bus.AddConsumer<TallyConsumer>();
        bus.AddConsumer<NotificationConsumer>();
        return bus;
    }

    /// <summary>
    /// The stages every alert passes, whichever reader takes it: admission, aggregation, notification (mail, webhooks), with
    /// the parking of what fails and the settings they read, checked at start. The bus and the readers are added apart.
    /// </summary>
    public static IServiceCollection AddAlertPipeline(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddAlertRoutes();
        services.AddValidatedSettings<SmtpOptions>(SmtpOptions.SectionName);
        services.AddMetrics();
        services.TryAddSingleton<AlertMetrics>();
        services.TryAddSingleton<SilenceBook>();
        services.TryAddSingleton<HistoryRecorder>();
        services.TryAddSingleton<AlertAdmission>();
        services.TryAddSingleton<TallyFolding>();
        services.TryAddSingleton<RouteAggregations>();
        services.TryAddSingleton<AlertMailer>();
        services.TryAddSingleton<MailReceiver>();
        // The default log lines of HttpClient name the whole URL, and a webhook's URL may hold its secret (Slack's does).
        services.AddHttpClient(WebhookPoster.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan).RemoveAllLoggers();
        services.TryAddSingleton<WebhookPoster>();
        services.TryAddSingleton<Notifier>();
        services.TryAddSingleton<ParkedMessages>();
        services.AddReceiveObserver<ParkedMessageObserver>();
        return services;
    }

    /// <summary>Adds the silences: read from the broker before any alert is admitted, and kept up to date.</summary>
    public static IServiceCollection AddSilenceFeed(this IServiceCollection services)
    {
        services.AddSilences();
        services.TryAddSingleton<SilenceBook>();
        services.AddHostedService<SilenceFeed<SilenceBook>>();
        return services;
    }

    /// <summary>Adds the replay of waiting alerts, with the routes and broker settings it needs.</summary>
    public static IServiceCollection AddAlertsReplay(this IServiceCollection services)
    {
        services.AddAlertRoutes();
        services.AddValidatedSettings<RabbitMqOptions>(RabbitMqOptions.SectionName);
        services.AddSingleton<QueueReplay>();
        return services;
    }

    static IServiceCollection AddAlertRoutes(this IServiceCollection services)
    {
        services.AddValidatedSettings<AlertsOptions>(AlertsOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AlertsOptions>, AlertsOptionsValidator>());
        return services;
    }
}
