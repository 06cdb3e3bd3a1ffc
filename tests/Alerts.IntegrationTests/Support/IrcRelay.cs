using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Alerts.TestSupport;

namespace Alerts.IntegrationTests.Support;

/// <summary>
/// A real webhook consumer as teams run one: Debian's <c>alertmanager-irc-relay</c> in front of Debian's IRC server
/// <c>ngircd</c>, both on free loopback ports, and a client in the channel that records what is said there.
/// </summary>
public sealed class IrcRelay : IAsyncDisposable
{
    const string Channel = "#alerts";

    readonly List<Process> _processes = [];
    readonly string _folder = Directory.CreateTempSubdirectory("alerts-irc-").FullName;
    readonly ConcurrentQueue<string> _said = new();
    readonly CancellationTokenSource _stopping = new();
    TcpClient? _watcher;
    Task? _listening;

    IrcRelay()
    {
    }

    /// <summary>The relay's webhook URL for the channel: the path names it.</summary>
    public string WebhookUrl { get; private set; } = "";

    /// <summary>Every message said in the channel, as received.</summary>
    public IReadOnlyCollection<string> Said => _said;

    public static async Task<IrcRelay> StartAsync()
    {
        foreach (var binary in new[] { "/usr/sbin/ngircd", "/usr/bin/alertmanager-irc-relay" })
        {
            if (!File.Exists(binary))
            {
                throw new InvalidOperationException($"{binary} is missing: install Debian's ngircd and alertmanager-irc-relay (./scripts/test.sh installs them)");
            }
        }

        var relay = new IrcRelay();
        var ircPort = FreePort.OnLoopback();
        var httpPort = FreePort.OnLoopback();
        relay.WebhookUrl = $"http://127.0.0.1:{httpPort}/{Channel.TrimStart('#')}";
        await File.WriteAllTextAsync(Path.Combine(relay._folder, "ngircd.conf"), $"""
            [Global]
            Name = irc.alerts.test
            Info = Alerts test IRC server
            AdminInfo1 = Alerts tests
            AdminInfo2 = loopback
            AdminEMail = ops@example.com
            Listen = 127.0.0.1
            Ports = {ircPort}
            PidFile = {Path.Combine(relay._folder, "ngircd.pid")}
            MotdPhrase = "test"
            [Options]
            PAM = no
            Ident = no
            DNS = no
            """);
        relay.Start("/usr/sbin/ngircd", "-n", "-f", Path.Combine(relay._folder, "ngircd.conf"));
        await relay.JoinAsync(ircPort);

        await File.WriteAllTextAsync(Path.Combine(relay._folder, "relay.yml"), $$$"""
            http_host: 127.0.0.1
            http_port: {{{httpPort}}}
            irc_host: 127.0.0.1
            irc_port: {{{ircPort}}}
            irc_use_ssl: no
            irc_nickname: alertbot
            irc_channels:
              - name: "{{{Channel}}}"
            use_privmsg: yes
            msg_template: "Alert {{ .Labels.alertname }} on {{ .Labels.instance }} is {{ .Status }}: {{ .Annotations.summary }}"
            """);
        relay.Start("/usr/bin/alertmanager-irc-relay", "--config", Path.Combine(relay._folder, "relay.yml"));
        await Eventually.HoldsAsync(() => Task.FromResult(relay._said.Any(line => line.Contains("JOIN", StringComparison.Ordinal) && line.StartsWith(":alertbot", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30), "alertmanager-irc-relay to join the channel");
        return relay;
    }

    void Start(string binary, params string[] arguments)
    {
        var start = new ProcessStartInfo(binary, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    /// <summary>Connects a watcher to the server (retrying until it listens), joins the channel and records what is said.</summary>
    async Task JoinAsync(int port)
    {
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                _watcher = new TcpClient();
                await _watcher.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (SocketException)
            {
                _watcher?.Dispose();
                return false;
            }
        }, TimeSpan.FromSeconds(30), "ngircd to listen");

        var stream = _watcher!.GetStream();
        var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("NICK watcher");
        await writer.WriteLineAsync("USER watcher 0 * :Alerts test");
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _listening = Task.Run(async () =>
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (!_stopping.IsCancellationRequested && await reader.ReadLineAsync(_stopping.Token) is { } line)
            {
                if (line.StartsWith("PING", StringComparison.Ordinal))
                {
                    await writer.WriteLineAsync("PONG" + line[4..]);
                }
                else if (line.Contains(" 001 ", StringComparison.Ordinal))
                {
                    await writer.WriteLineAsync($"JOIN {Channel}");
                }
                else if (line.Contains($" 366 watcher {Channel}", StringComparison.Ordinal))
                {
                    joined.TrySetResult();
                }
                else if (line.Contains($" PRIVMSG {Channel} ", StringComparison.Ordinal) || line.Contains(" JOIN ", StringComparison.Ordinal))
                {
                    _said.Enqueue(line);
                }
            }
        });
        await joined.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _watcher?.Dispose();
        foreach (var process in _processes)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }

        try
        {
            await (_listening ?? Task.CompletedTask);
        }
        catch (Exception stopped) when (stopped is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }

        Directory.Delete(_folder, recursive: true);
    }

    public override string ToString() => string.Join(Environment.NewLine, _said);
}
