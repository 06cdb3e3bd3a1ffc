using Alerts.Consumer.Consumers;
using Alerts.Consumer.Digests;
using Alerts.Consumer.Silences;
using Alerts.Consumer.Endpoints;
using Alerts.Consumer.Mail;
using Alerts.Consumer.Replay;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;
using Alerts.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class ConsumerServiceCollectionExtensions
{
    /// <summary>Adds the consumer's settings, mailer and bus, with one receive endpoint per served route.</summary>
    public static IServiceCollection AddAlertsConsumer(this IServiceCollection services) =>
        services
            .Configure<MassTransitHostOptions>(host =>
            {
                // On SIGTERM, mails in progress get 10 s to be accepted and acknowledged; after that their
                // alerts (and any waiting for a retry) go back to the queue, well within the host's 30 s.
                host.ConsumerStopTimeout = TimeSpan.FromSeconds(10);
                host.StopTimeout = TimeSpan.FromSeconds(25);
            })
            .AddAlertMailing()
            .AddSilenceFeed()
            .AddAlertsBus(
                bus =>
                {
                    bus.AddConsumer<AlertConsumer, AlertConsumerDefinition>();
                    bus.AddConsumer<DigestConsumer>();
                },
                (context, rabbit) =>
                {
                    var alerts = context.GetRequiredService<IOptions<AlertsOptions>>().Value;
                    foreach (var (_, route) in alerts.ServedRoutes())
                    {
                        rabbit.ConfigureRoute(context, alerts, route);
                    }
                })
            .AddSingleton<AlertIntake>()
            .AddHostedService(services => services.GetRequiredService<AlertIntake>())
            .AddHostedService<DigestScheduler>()
            .AddHealthChecks().AddCheck<AlertIntake>("alert-intake", tags: ["ready"]).Services;

    /// <summary>Adds the silences: read from the broker before any alert is mailed, and kept up to date.</summary>
    public static IServiceCollection AddSilenceFeed(this IServiceCollection services)
    {
        services.AddSilences();
        services.AddHostedService<SilenceFeed>();
        return services;
    }

    /// <summary>Adds the silence stream and this process's book of silences, with the broker settings they need.</summary>
    public static IServiceCollection AddSilences(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedSettings<RabbitMqOptions>(RabbitMqOptions.SectionName);
        services.TryAddSingleton<SilenceBook>();
        services.TryAddSingleton<SilenceStore>();
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

    /// <summary>Adds the routes and the mailer, validated at start; the bus is added separately.</summary>
    public static IServiceCollection AddAlertMailing(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddAlertRoutes();
        services.AddValidatedSettings<SmtpOptions>(SmtpOptions.SectionName);
        services.AddSingleton<AlertMailer>();
        services.TryAddSingleton<SilenceBook>();
        services.TryAddSingleton<GroupBooks>();
        services.AddMetrics();
        services.TryAddSingleton<AlertMetrics>();
        services.AddReceiveObserver<ParkedAlertObserver>();
        return services;
    }

    static IServiceCollection AddAlertRoutes(this IServiceCollection services)
    {
        services.AddValidatedSettings<AlertsOptions>(AlertsOptions.SectionName);
        services.AddSingleton<IValidateOptions<AlertsOptions>, AlertsOptionsValidator>();
        return services;
    }
}
