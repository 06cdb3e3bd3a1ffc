using Microsoft.Extensions.Configuration;

namespace Alerts.Tests.Support;

/// <summary>
/// The consumer's shipped appsettings.json, pointed at a test SMTP sink, with fast retries, and the critical route
/// mailing each alert (grouping, the default, is exercised on a real broker and in the group book's own tests).
/// </summary>
public static class ConsumerSettings
{
    public static IConfiguration Build(int smtpPort, params (string Key, string? Value)[] overrides) =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "consumer.appsettings.json"))
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Smtp:Host"] = "127.0.0.1",
                ["Smtp:Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Smtp:Security"] = "None",
                ["Alerts:Retry:Limit"] = "2",
                ["Alerts:Retry:MinInterval"] = "00:00:00.050",
                ["Alerts:Retry:MaxInterval"] = "00:00:00.100",
                ["Alerts:Routes:critical:Grouping:Enabled"] = "false",
            })
            .AddInMemoryCollection(overrides.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value)))
            .Build();
}
