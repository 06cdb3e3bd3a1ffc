using Alerts.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class SettingsServiceCollectionExtensions
{
    /// <summary>
    /// Binds a configuration section to <typeparamref name="TOptions"/> and checks it when the host starts: its data
    /// annotations, that every key in the section is one of its settings, and that every value converts. Adding a section
    /// twice adds it once, so each bad setting is named once.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedSettings<TOptions>(this IServiceCollection services, string sectionName)
        where TOptions : class
    {
        var builder = services.AddOptions<TOptions>();
        if (services.Any(service => service.ServiceType == typeof(IValidateOptions<TOptions>) && service.ImplementationType == typeof(SettingsValidator<TOptions>)))
        {
            return builder;
        }

        services.AddSingleton<IValidateOptions<TOptions>, SettingsValidator<TOptions>>();
        services.AddSingleton<IValidateOptions<TOptions>>(provider =>
            new SettingsSectionValidator<TOptions>(provider.GetRequiredService<IConfiguration>().GetSection(sectionName)));
        return builder.Configure<IConfiguration>((options, configuration) => BindConvertible(configuration.GetSection(sectionName), options)).ValidateOnStart();
    }

    /// <summary>
    /// Binds every value that converts. The binder would stop at the first that does not, leaving later settings unbound
    /// for the other checks to misreport; those values are left at their defaults and named by the section's validator.
    /// </summary>
    static void BindConvertible<TOptions>(IConfigurationSection section, TOptions options)
    {
        var unconvertible = SettingsSection.Unconvertible(section, typeof(TOptions)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (unconvertible.Count == 0)
        {
            section.Bind(options);
            return;
        }

        new ConfigurationBuilder()
            .AddInMemoryCollection(section.AsEnumerable(makePathsRelative: true)
                .Where(setting => setting.Value is not null && !unconvertible.Contains($"{section.Path}:{setting.Key}")))
            .Build()
            .Bind(options);
    }
}
