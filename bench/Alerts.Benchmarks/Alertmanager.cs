using System.Diagnostics;
using Alerts.TestSupport;

namespace Alerts.Benchmarks;

/// <summary>
/// Debian's Alertmanager (<c>prometheus-alertmanager</c>) on loopback, clustering off, with one receiver that sends
/// nothing: the in-memory reference the front door's ingest is measured beside, on the same load in the same run.
/// </summary>
public sealed class Alertmanager : IAsyncDisposable
{
    const string Binary = "/usr/bin/prometheus-alertmanager";

    readonly Process _process;
    readonly DirectoryInfo _folder;

    Alertmanager(Process process, DirectoryInfo folder, Uri address) => (_process, _folder, Address) = (process, folder, address);

    public Uri Address { get; }

    public static async Task<Alertmanager> StartAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: scripts/bench.sh installs Debian's prometheus-alertmanager");
        }

        var folder = Directory.CreateTempSubdirectory("alerts-bench-alertmanager-");
        var config = Path.Combine(folder.FullName, "alertmanager.yml");
        await File.WriteAllTextAsync(config, "route:\n  receiver: none\n  group_by: [alertname]\nreceivers:\n  - name: none\n");
        var address = new Uri($"http://127.0.0.1:{FreePort.OnLoopback()}");
        var start = new ProcessStartInfo(Binary,
            [$"--config.file={config}", $"--storage.path={folder.FullName}", $"--web.listen-address={address.Authority}", "--cluster.listen-address=", "--log.level=warn"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Alertmanager did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var alertmanager = new Alertmanager(process, folder, address);
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var ready = await http.GetAsync("/-/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return alertmanager;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        await alertmanager.DisposeAsync();
        throw new TimeoutException("Alertmanager was not ready within 10 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _folder.Delete(recursive: true);
    }
}
