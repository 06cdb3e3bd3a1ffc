using System.Diagnostics;

namespace Alerts.Benchmarks;

/// <summary>The real consumer, run as the operator runs it, with its memory read from /proc.</summary>
public sealed class ConsumerProcess : IAsyncDisposable
{
    const string Passthrough = "ALERTS_BENCH_CONSUMER_";

    readonly Process _process;

    ConsumerProcess(Process process) => _process = process;

    public static ConsumerProcess Start(IReadOnlyDictionary<string, string> broker, int smtpPort, params (string Name, string Value)[] settings)
    {
        var program = RepositoryFile("src", "Alerts.Consumer", "bin", "Release", "net10.0", "Alerts.Consumer.dll");
        var start = new ProcessStartInfo("dotnet", [program]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in broker)
        {
            start.Environment[name] = value;
        }

        start.Environment["Smtp__Host"] = "127.0.0.1";
        start.Environment["Smtp__Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Smtp__Security"] = "None";
        start.Environment["Alerts__Serve"] = "critical";
        // One mail per alert, so that mails measure the pipeline alert by alert; the grouping scenario turns it on.
        start.Environment["Alerts__Routes__critical__Grouping__Enabled"] = "false";
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        // ALERTS_BENCH_CONSUMER_X=value reaches the consumers alone as X=value: for trying a setting, say DOTNET_GCHeapHardLimit.
        foreach (var variable in Environment.GetEnvironmentVariables().Keys.OfType<string>().Where(name => name.StartsWith(Passthrough, StringComparison.Ordinal)))
        {
            start.Environment[variable[Passthrough.Length..]] = Environment.GetEnvironmentVariable(variable);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("the consumer did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ConsumerProcess(process);
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
