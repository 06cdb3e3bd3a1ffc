using System.Collections.Concurrent;
using System.Diagnostics;

namespace Alerts.IntegrationTests.Support;

/// <summary>
/// Runs one of the project's programs as a real process, configured by environment variables only,
/// as an operator would run it, and keeps what it prints for the test to read.
/// </summary>
public sealed partial class Service : IAsyncDisposable
{
    readonly Process _process;
    readonly ConcurrentQueue<string> _output = new();

    Service(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Anywhere but beside the program: it must find its own appsettings.json.
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(program);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        _process.OutputDataReceived += (_, line) => Keep("out", line.Data);
        _process.ErrorDataReceived += (_, line) => Keep("err", line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyCollection<string> Output => _output;

    public IEnumerable<string> StandardError => _output.Where(line => line.StartsWith("err: ", StringComparison.Ordinal)).Select(line => line[5..]);

    public IEnumerable<string> StandardOutput => _output.Where(line => line.StartsWith("out: ", StringComparison.Ordinal)).Select(line => line[5..]);

    /// <summary>The route a consumer serves, as its Alerts__Serve says.</summary>
    public string? Route { get; private init; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Turns on grouping, the shipped default, for both routes. Tests of the per-alert pipeline (retries, faults, parking)
    /// start consumers without it, so that each alert is one mail they can follow by its id.
    /// </summary>
    public static readonly (string Name, string Value)[] Grouping =
        [("Alerts__Routes__critical__Grouping__Enabled", "true"), ("Alerts__Routes__rate_limit__Grouping__Enabled", "true")];

    /// <summary>Starts a consumer; it serves the routes named in <paramref name="serve"/> (all when null).</summary>
    public static Service Consumer(BrokerVirtualHost broker, int smtpPort, string? serve, params (string Name, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>(broker.Settings)
        {
            ["Smtp__Host"] = "127.0.0.1",
            ["Smtp__Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp__Security"] = "None",
            ["Alerts__Serve"] = serve ?? "",
            ["Alerts__Routes__critical__Grouping__Enabled"] = "false",
            ["Alerts__Routes__rate_limit__Grouping__Enabled"] = "false",
        };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        return new Service(Program("Alerts.Consumer"), [], environment) { Route = serve };
    }

    /// <summary>Starts the producer's HTTP front door on a free loopback port, with a bearer token; <paramref name="settings"/> override.</summary>
    public static async Task<(Service FrontDoor, Uri Address)> StartFrontDoorAsync(IReadOnlyDictionary<string, string> broker, params (string Name, string Value)[] settings)
    {
        var address = new Uri($"http://127.0.0.1:{Alerts.TestSupport.FreePort.OnLoopback()}");
        var environment = new Dictionary<string, string>(broker)
        {
            ["Urls"] = address.ToString().TrimEnd('/'),
            ["FrontDoor__BearerToken"] = FrontDoorToken,
        };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        var frontDoor = new Service(Program("Alerts.Producer"), ["serve"], environment);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.HoldsAsync(async () =>
        {
            if (frontDoor.HasExited)
            {
                throw new InvalidOperationException($"the front door exited:{Environment.NewLine}{frontDoor}");
            }

            try
            {
                return (await http.GetAsync(new Uri(address, "/health/ready"))).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "the front door to be ready");
        return (frontDoor, address);
    }

    public const string FrontDoorToken = "front-door-test-token";

    /// <summary>Runs the producer command line to its end.</summary>
    public static async Task<Service> ProduceAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var producer = new Service(Program("Alerts.Producer"), arguments, environment);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await producer._process.WaitForExitAsync(deadline.Token);
        producer._process.WaitForExit(); // flushes the redirected output
        return producer;
    }

    public async Task<TimeSpan> WaitForExitAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        _process.WaitForExit();
        return watch.Elapsed;
    }

    /// <summary>SIGTERM, as an orchestrator stops a container, and waits for the process to end.</summary>
    public Task TerminateAsync(TimeSpan timeout) => Signals.TerminateAsync(_process, timeout);

    /// <summary>SIGKILL: the process dies at once, with whatever it holds.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Starts the consumer's replay command and leaves it running.</summary>
    public static Service StartReplay(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        new(Program("Alerts.Consumer"), ["replay", .. arguments], environment);

    /// <summary>Runs the consumer's replay command to its end.</summary>
    public static async Task<Service> ReplayAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var replay = new Service(Program("Alerts.Consumer"), ["replay", .. arguments], environment);
        await replay.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return replay;
    }

    /// <summary>Runs the consumer's silence command (add, list, expire) to its end.</summary>
    public static async Task<Service> SilenceAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var silence = new Service(Program("Alerts.Consumer"), ["silence", .. arguments], environment);
        await silence.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return silence;
    }

    /// <summary>Where the consumer serves its health and metrics: a free loopback port by default, which it logs at start.</summary>
    public async Task<Uri> HttpAddressAsync()
    {
        Uri? address = null;
        await Eventually.HoldsAsync(
            () => Task.FromResult((address = _output.Select(line => ListeningOn().Match(line)).Where(match => match.Success)
                .Select(match => new Uri(match.Groups["address"].Value)).FirstOrDefault()) is not null),
            TimeSpan.FromSeconds(30), "the consumer to log where it listens for HTTP");
        return address!;
    }

    /// <summary>Runs the consumer's health command against a running worker.</summary>
    public static Task<Service> CheckHealthAsync(Uri readiness) => RunConsumerCommandAsync("health", "--url", readiness.ToString());

    /// <summary>Runs one of the consumer's commands to its end, with no settings of the test's.</summary>
    public static async Task<Service> RunConsumerCommandAsync(params string[] arguments)
    {
        var command = new Service(Program("Alerts.Consumer"), arguments, new Dictionary<string, string>());
        await command.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return command;
    }

    public int Count(string text) => _output.Count(line => line.Contains(text, StringComparison.Ordinal));

    public override string ToString() => string.Join(Environment.NewLine, _output);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    void Keep(string stream, string? line)
    {
        if (line is not null)
        {
            _output.Enqueue($"{stream}: {line}");
        }
    }

    /// <summary>The program as the build left it: src/NAME/bin/CONFIGURATION/net10.0/NAME.dll, beside this test's own build.</summary>
    static string Program(string name)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory); // tests/X/bin/CONFIGURATION/net10.0/
        var configuration = testOutput.Parent!.Name;
        var program = Path.Combine(Repository.Root, "src", name, "bin", configuration, "net10.0", $"{name}.dll");
        return File.Exists(program) ? program : throw new FileNotFoundException($"build {name} first (dotnet build Alerts.sln)", program);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Now listening on: (?<address>http://[^\s""]+)")]
    private static partial System.Text.RegularExpressions.Regex ListeningOn();
}
