using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Alerts.ServiceDefaults;

/// <summary>
/// Validates a settings class by its data annotations and reports only their messages
/// ("Smtp:Host is required"), so a service that refuses to start says which setting to fix in one line.
/// </summary>
public sealed class SettingsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(results.Select(result => result.ErrorMessage ?? string.Join(", ", result.MemberNames)));
    }
}
