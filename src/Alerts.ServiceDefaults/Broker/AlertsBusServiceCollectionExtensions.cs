using Alerts.Contracts;
using Alerts.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class AlertsBusServiceCollectionExtensions
{
    /// <summary>
    /// Adds MassTransit on RabbitMQ, connected with the validated <c>RabbitMq</c> settings and set up for alerts.
    /// </summary>
    /// <param name="registerConsumers">Registers the service's consumers, if it has any.</param>
    /// <param name="configureEndpoints">Declares the service's receive endpoints, if it has any.</param>
    public static IServiceCollection AddAlertsBus(
        this IServiceCollection services,
        Action<IBusRegistrationConfigurator>? registerConsumers = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureEndpoints = null)
    {
        services.AddValidatedSettings<RabbitMqOptions>(RabbitMqOptions.SectionName);

        services.AddMassTransit(bus =>
        {
            registerConsumers?.Invoke(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.UseBroker(context.GetRequiredService<IOptions<RabbitMqOptions>>().Value);
                rabbit.UseAlertsTopology();
                configureEndpoints?.Invoke(context, rabbit);
            });
        });

        return services;
    }
}
