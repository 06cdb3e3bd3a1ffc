using System.CommandLine;

namespace Alerts.ServiceDefaults;

/// <summary>
/// <c>health [--url URL]</c>: asks a running service whether it is ready, for a container's health check
/// (chiseled images have no shell and no curl).
/// </summary>
public static class HealthCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url")
        {
            Description = "The service's readiness address",
            DefaultValueFactory = _ => "http://localhost:8080/health/ready",
        };
        var health = new Command("health", "Exits 0 when the service at --url is connected and consuming, 1 otherwise.") { url };
        health.SetAction((parseResult, cancellationToken) => CheckAsync(parseResult.GetRequiredValue(url), cancellationToken));
        return health;
    }

    static async Task<int> CheckAsync(string address, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var readiness))
        {
            return ServiceCommandLine.Fail($"--url '{address}' is not an absolute address");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(readiness, cancellationToken);
            var status = await response.Content.ReadAsStringAsync(cancellationToken);
            Console.WriteLine($"{readiness}: {(int)response.StatusCode} {status}");
            return response.IsSuccessStatusCode ? 0 : ServiceCommandLine.Failed;
        }
        catch (Exception unreachable) when (unreachable is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"error: {readiness}: {unreachable.Message}");
            return ServiceCommandLine.Failed;
        }
    }
}
