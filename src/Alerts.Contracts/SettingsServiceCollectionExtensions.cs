using Alerts.Contracts;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class SettingsServiceCollectionExtensions
{
    /// <summary>Binds a configuration section to <typeparamref name="TOptions"/> and checks it when the host starts; an unknown key in the section is an error.</summary>
    public static OptionsBuilder<TOptions> AddValidatedSettings<TOptions>(this IServiceCollection services, string sectionName)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>, SettingsValidator<TOptions>>();
        return services.AddOptions<TOptions>().BindConfiguration(sectionName, InvalidSettings.BindStrictly).ValidateOnStart();
    }
}
