using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Alerts.Producer.FrontDoor;

/// <summary>Refuses a front door that anyone on the network could post to, and settings that cannot work together.</summary>
public sealed class FrontDoorOptionsValidator(IConfiguration configuration) : IValidateOptions<FrontDoorOptions>
{
    public ValidateOptionsResult Validate(string? name, FrontDoorOptions options)
    {
        var hasBasic = !string.IsNullOrEmpty(options.Username);
        if (hasBasic && string.IsNullOrEmpty(options.Password))
        {
            return ValidateOptionsResult.Fail("FrontDoor:Password is required with FrontDoor:Username");
        }

        if (!options.AllowAnonymousOnLoopback && !hasBasic && string.IsNullOrEmpty(options.BearerToken))
        {
            return ValidateOptionsResult.Fail("FrontDoor needs a BearerToken or a Username and Password (or AllowAnonymousOnLoopback with loopback Urls)");
        }

        var urls = (configuration["Urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (options.AllowAnonymousOnLoopback && urls.Any(url => !IsLoopback(url)))
        {
            return ValidateOptionsResult.Fail($"FrontDoor:AllowAnonymousOnLoopback needs every address in Urls on loopback, not {string.Join(";", urls)}");
        }

        if (options.PublishTimeout <= TimeSpan.Zero || options.PublishTimeout > TimeSpan.FromMinutes(1))
        {
            return ValidateOptionsResult.Fail("FrontDoor:PublishTimeout must be between 0 and 00:01:00");
        }

        return ValidateOptionsResult.Success;
    }

    static bool IsLoopback(string url) =>
        Uri.TryCreate(url.Replace("://+", "://any", StringComparison.Ordinal).Replace("://*", "://any", StringComparison.Ordinal), UriKind.Absolute, out var uri)
        && (uri.IsLoopback || uri.Host == "[::1]");
}
