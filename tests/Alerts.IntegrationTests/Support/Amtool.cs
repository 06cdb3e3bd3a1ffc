namespace Alerts.IntegrationTests.Support;

/// <summary>Debian's amtool (prometheus-alertmanager) pointed at a front door, with its bearer token.</summary>
public sealed class Amtool(Uri address, string httpConfig) : IDisposable
{
    public static async Task<Amtool> CreateAsync(Uri address)
    {
        var httpConfig = Path.GetTempFileName();
        await File.WriteAllTextAsync(httpConfig, $"authorization:\n  credentials: {Service.FrontDoorToken}\n");
        return new Amtool(address, httpConfig);
    }

    public async Task<string> RunAsync(params string[] arguments)
    {
        var (exitCode, output, error) = await Repository.RunAsync("/usr/bin/amtool",
            [$"--alertmanager.url={address}", $"--http.config.file={httpConfig}", .. arguments]);
        Assert.True(exitCode == 0, $"amtool {string.Join(' ', arguments)} (Debian's prometheus-alertmanager: ./scripts/test.sh installs it): {output}{error}");
        return output;
    }

    public void Dispose() => File.Delete(httpConfig);
}
