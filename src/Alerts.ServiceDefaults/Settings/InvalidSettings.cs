using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.ServiceDefaults;

/// <summary>Checks every setting registered for validation at start, and says what is wrong in one line.</summary>
public static class InvalidSettings
{
    /// <returns>One line naming each bad setting, or null when all are valid.</returns>
    public static string? Check(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return null;
        }
        catch (Exception invalid) when (TryDescribe(invalid, out var description))
        {
            return description;
        }
    }

    public static bool TryDescribe(Exception exception, [NotNullWhen(true)] out string? description)
    {
        IEnumerable<Exception> failures = exception is AggregateException many ? many.InnerExceptions : [exception];
        var messages = new List<string>();
        foreach (var failure in failures)
        {
            switch (failure)
            {
                case OptionsValidationException invalid:
                    messages.AddRange(invalid.Failures);
                    break;
                // The configuration binder's own words name the setting: "Failed to convert configuration value 'x' at 'Smtp:Port' …".
                case InvalidOperationException { InnerException: FormatException or ArgumentException } unconvertible:
                    messages.Add(unconvertible.Message);
                    break;
                default:
                    description = null;
                    return false;
            }
        }

        description = "invalid configuration: " + string.Join("; ", messages);
        return true;
    }
}
