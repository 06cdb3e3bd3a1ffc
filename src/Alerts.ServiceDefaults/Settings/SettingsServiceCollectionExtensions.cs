using Alerts.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class SettingsServiceCollectionExtensions
{
    /// <summary>
    /// Binds a configuration section to <typeparamref name="TOptions"/> and checks it when the host starts: its data
    /// annotations, and that every key in the section is one of its settings.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedSettings<TOptions>(this IServiceCollection services, string sectionName)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>, SettingsValidator<TOptions>>();
        services.AddSingleton<IValidateOptions<TOptions>>(provider =>
            new UnknownSettingsValidator<TOptions>(provider.GetRequiredService<IConfiguration>().GetSection(sectionName)));
        return services.AddOptions<TOptions>().BindConfiguration(sectionName).ValidateOnStart();
    }
}
