using System.Diagnostics;
using System.Globalization;
using Alerts.TestSupport;

namespace Alerts.IntegrationTests.Support;

/// <summary>
/// Debian's Prometheus, started on a free loopback port with one alerting rule and the front door as its Alertmanager,
/// evaluating every second and re-sending firing alerts every second, so a test sees minutes' worth of re-sends in seconds.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    const string Binary = "/usr/bin/prometheus";

    readonly Process _process;
    readonly string _folder;
    readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    PrometheusServer(Process process, string folder, Uri address)
    {
        _process = process;
        _folder = folder;
        Address = address;
    }

    public Uri Address { get; }

    /// <param name="rule">One Prometheus alerting rule, as YAML under <c>rules:</c>.</param>
    public static async Task<PrometheusServer> StartAsync(Uri alertmanager, string bearerToken, string rule)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: install Debian's prometheus (./scripts/test.sh installs it)");
        }

        var folder = Directory.CreateTempSubdirectory("alerts-prometheus-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "rules.yml"), $"""
            groups:
              - name: alerts-test
                interval: 1s
                rules:
            {rule}
            """);
        await File.WriteAllTextAsync(Path.Combine(folder, "prometheus.yml"), $"""
            global:
              evaluation_interval: 1s
            rule_files: [rules.yml]
            alerting:
              alertmanagers:
                - api_version: v2
                  authorization: {"{"} credentials: {bearerToken} {"}"}
                  static_configs: [{"{"} targets: ["{alertmanager.Authority}"] {"}"}]
            """);
        var address = new Uri($"http://127.0.0.1:{FreePort.OnLoopback()}");
        var start = new ProcessStartInfo(Binary)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                $"--config.file={Path.Combine(folder, "prometheus.yml")}",
                $"--storage.tsdb.path={Path.Combine(folder, "data")}",
                $"--web.listen-address={address.Authority}",
                "--rules.alert.resend-delay=1s",
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var prometheus = new PrometheusServer(process, folder, address);
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                return (await prometheus._http.GetAsync(new Uri(address, "/-/ready"))).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "prometheus to be ready");
        return prometheus;
    }

    /// <summary>How many alerts Prometheus has sent to its Alertmanager, from its own metrics.</summary>
    public async Task<double> NotificationsSentAsync()
    {
        var metrics = await _http.GetStringAsync(new Uri(Address, "/metrics"));
        return metrics.Split('\n')
            .Where(line => line.StartsWith("prometheus_notifications_sent_total", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>Alerts Prometheus could not deliver (a refused request, a timeout).</summary>
    public async Task<double> NotificationErrorsAsync()
    {
        var metrics = await _http.GetStringAsync(new Uri(Address, "/metrics"));
        return metrics.Split('\n')
            .Where(line => line.StartsWith("prometheus_notifications_errors_total", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _http.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
