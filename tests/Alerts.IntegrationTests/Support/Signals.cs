using System.Diagnostics;

namespace Alerts.IntegrationTests.Support;

/// <summary>Sends a process the signal an orchestrator sends: SIGTERM, a request to stop cleanly.</summary>
public static class Signals
{
    public static async Task TerminateAsync(Process process, TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(deadline.Token);
    }
}
