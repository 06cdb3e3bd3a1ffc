using System.Diagnostics;

namespace Alerts.Benchmarks;

/// <summary>A real service (the consumer, the front door), run as the operator runs it, with its memory read from /proc.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    const string Passthrough = "ALERTS_BENCH_CONSUMER_";

    readonly Process _process;

    ServiceProcess(Process process) => _process = process;

    /// <summary>The HTTP front door (<c>Alerts.Producer serve</c>) at <paramref name="address"/>, taking <paramref name="token"/>.</summary>
    public static ServiceProcess FrontDoor(IReadOnlyDictionary<string, string> broker, Uri address, string token) =>
        Start("Alerts.Producer", ["serve"], broker, [("Urls", address.ToString().TrimEnd('/')), ("FrontDoor__BearerToken", token)]);

    public static ServiceProcess Consumer(IReadOnlyDictionary<string, string> broker, int smtpPort, params (string Name, string Value)[] settings) =>
        Start("Alerts.Consumer", [], broker,
        [
            ("Smtp__Host", "127.0.0.1"),
            ("Smtp__Port", smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Smtp__Security", "None"),
            ("Alerts__Serve", "critical"),
            // One mail per alert, so that mails measure the pipeline alert by alert; the grouping scenario turns it on.
            ("Alerts__Routes__critical__Grouping__Enabled", "false"),
            .. settings,
        ]);

    static ServiceProcess Start(string name, string[] arguments, IReadOnlyDictionary<string, string> broker, (string Name, string Value)[] settings)
    {
        var program = RepositoryFile("src", name, "bin", "Release", "net10.0", $"{name}.dll");
        var start = new ProcessStartInfo("dotnet", [program, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        // As the images run it (see the Dockerfile): gen0 sized as on a common 32 MB L3, not from what this VM reports.
        start.Environment["DOTNET_GCgen0size"] = "0x1000000";
        foreach (var (setting, value) in broker)
        {
            start.Environment[setting] = value;
        }

        foreach (var (setting, value) in settings)
        {
            start.Environment[setting] = value;
        }

        // ALERTS_BENCH_CONSUMER_X=value reaches the services alone as X=value: for trying a setting, say DOTNET_GCHeapHardLimit.
        foreach (var variable in Environment.GetEnvironmentVariables().Keys.OfType<string>().Where(variable => variable.StartsWith(Passthrough, StringComparison.Ordinal)))
        {
            start.Environment[variable[Passthrough.Length..]] = Environment.GetEnvironmentVariable(variable);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(process);
    }

    static string RepositoryFile(params string[] path)
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Alerts.sln")))
        {
            folder = folder.Parent;
        }

        var file = Path.Combine([folder?.FullName ?? throw new InvalidOperationException("Alerts.sln not found"), .. path]);
        return File.Exists(file) ? file : throw new FileNotFoundException("build the solution in Release first", file);
    }

    /// <summary>Peak resident memory so far (VmHWM), in MB.</summary>
    public double PeakMegabytes => ReadStatus("VmHWM:");

    /// <summary>Resident memory now (VmRSS), in MB.</summary>
    public double ResidentMegabytes => ReadStatus("VmRSS:");

    double ReadStatus(string field)
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(line => line.StartsWith(field, StringComparison.Ordinal));
        return double.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
