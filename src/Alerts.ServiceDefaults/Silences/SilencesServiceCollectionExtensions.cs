using Alerts.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class SilencesServiceCollectionExtensions
{
    /// <summary>Adds the silences kept in the broker's stream, and the service that creates, queries and expires them.</summary>
    public static IServiceCollection AddSilences(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedSettings<RabbitMqOptions>(RabbitMqOptions.SectionName);
        services.TryAddSingleton<SilenceStore>();
        services.TryAddSingleton<SilenceService>();
        return services;
    }
}
