using Alerts.Producer;
using Alerts.Producer.FrontDoor;
using Alerts.Producer.History;
using Alerts.ServiceDefaults;
using Alerts.ServiceDefaults.Replay;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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

    /// <summary>
    /// Adds the HTTP front door's settings, checked at start, its request size limit, the readers of silences and history,
    /// the expiry of resolved acknowledgements and the replay of what the routes parked.
    /// </summary>
    public static IServiceCollection AddFrontDoor(this IServiceCollection services)
    {
        services.AddValidatedSettings<FrontDoorOptions>(FrontDoorOptions.SectionName);
        services.AddSilences();
        services.AddSingleton<IValidateOptions<FrontDoorOptions>, FrontDoorOptionsValidator>();
        services.AddValidatedSettings<HistoryOptions>(HistoryOptions.SectionName);
        services.AddSingleton<SilenceCopy>();
        services.AddHostedService<SilenceFeed<SilenceCopy>>();
        services.AddSingleton<AlertBoard>();
        services.AddHostedService<HistoryFeed>();
        services.AddHostedService<Acknowledgements>();
        services.AddSingleton<QueueReplay>();
        // Read before the settings are checked (the server is built first): the raw value, the checked one refuses to start.
        services.AddOptions<KestrelServerOptions>().Configure<IConfiguration>((kestrel, configuration) =>
            kestrel.Limits.MaxRequestBodySize = configuration.GetValue($"{FrontDoorOptions.SectionName}:{nameof(FrontDoorOptions.MaxRequestBytes)}", new FrontDoorOptions().MaxRequestBytes));
        return services;
    }
}
