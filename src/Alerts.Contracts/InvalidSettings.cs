using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Contracts;

/// <summary>Checks every setting registered for validation at start, and says what is wrong in one line.</summary>
public static partial class InvalidSettings
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

    /// <summary>Binds a section the way settings are bound at start, so a misspelt key is an error, not a silent default.</summary>
    public static void BindStrictly(Microsoft.Extensions.Configuration.BinderOptions binder) => binder.ErrorOnUnknownConfiguration = true;

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
                // A misspelt or unknown key, as an environment variable easily is: "Smtp__Hots".
                case InvalidOperationException unknown when UnknownSettings().Match(unknown.Message) is { Success: true } match:
                    messages.Add($"no setting {match.Groups["names"].Value} in {match.Groups["type"].Value}");
                    break;
                default:
                    description = null;
                    return false;
            }
        }

        description = "invalid configuration: " + string.Join("; ", messages);
        return true;
    }

    [GeneratedRegex(@"not found on the instance of (?:[\w.+]+\.)?(?<type>\w+): (?<names>.+)$")]
    private static partial Regex UnknownSettings();
}
