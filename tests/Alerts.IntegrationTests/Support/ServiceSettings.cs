using Alerts.Consumer.Settings;
using Alerts.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.IntegrationTests.Support;

/// <summary>
/// Checks a deployment's environment for a service against what the code reads: every key belongs to a
/// section the service binds (or to the platform), and the service's own start-up validation accepts the values.
/// </summary>
public static class ServiceSettings
{
    static readonly string[] PlatformPrefixes = ["DOTNET_", "ASPNETCORE_", "OTEL_"];

    /// <returns>null when the service would start with these settings; otherwise what is wrong.</returns>
    public static string? Check(string program, IReadOnlyDictionary<string, string> environment)
    {
        string[] sections = program switch
        {
            "Alerts.Consumer" => [RabbitMqOptions.SectionName, SmtpOptions.SectionName, AlertsOptions.SectionName, TelemetryOptions.SectionName, "Logging", "Urls"],
            "Alerts.Producer" => [RabbitMqOptions.SectionName, Alerts.Producer.FrontDoor.FrontDoorOptions.SectionName, TelemetryOptions.SectionName, "Logging", "Urls"],
            _ => throw new ArgumentOutOfRangeException(nameof(program), program, "not one of the services"),
        };
        var settings = environment.Where(setting => !PlatformPrefixes.Any(prefix => setting.Key.StartsWith(prefix, StringComparison.Ordinal))).ToList();
        var unread = settings.Select(setting => setting.Key).Where(key => !sections.Contains(key.Split("__")[0], StringComparer.OrdinalIgnoreCase)).ToList();
        if (unread.Count > 0)
        {
            return $"{program} reads no {string.Join(", ", unread)}";
        }

        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Repository.PathOf($"src/{program}/appsettings.json"))
            .AddInMemoryCollection(settings.Select(setting => new KeyValuePair<string, string?>(setting.Key.Replace("__", ":", StringComparison.Ordinal), setting.Value)))
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        if (program == "Alerts.Consumer")
        {
            services.AddValidatedSettings<TelemetryOptions>(TelemetryOptions.SectionName);
            services.AddAlertsConsumer();
        }
        else
        {
            services.AddAlertsProducer();
            if (settings.Any(setting => setting.Key.StartsWith("FrontDoor__", StringComparison.Ordinal)))
            {
                services.AddValidatedSettings<TelemetryOptions>(TelemetryOptions.SectionName);
                services.AddFrontDoor();
            }
        }

        using var provider = services.BuildServiceProvider();
        return InvalidSettings.Check(provider);
    }
}
