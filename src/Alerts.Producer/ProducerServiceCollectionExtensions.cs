using Alerts.Producer;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class ProducerServiceCollectionExtensions
{
    /// <summary>Adds the bus and <see cref="AlertPublisher"/>, configured from the <c>RabbitMq</c> section.</summary>
    public static IServiceCollection AddAlertsProducer(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<AlertPublisher>();
        return services.AddAlertsBus();
    }
}
