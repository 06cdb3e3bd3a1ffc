using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Alerts.TestSupport;
using RabbitMQ.Client;

namespace Alerts.IntegrationTests.Support;

/// <summary>
/// One real RabbitMQ broker for the whole test run. Without ALERTS_TEST_AMQP_PORT it starts its own from Debian's
/// rabbitmq-server on free loopback ports with a temporary data folder, and removes both afterwards.
/// Each test gets a virtual host of its own, so tests run in any order.
/// </summary>
public sealed class Broker : IAsyncLifetime
{
    const string RabbitBin = "/usr/lib/rabbitmq/bin";
    const string TestUser = "alerts_test";
    const string TestPassword = "alerts-test-password";

    readonly Dictionary<string, string> _serverEnvironment = [];
    Process? _server;
    string? _dataFolder;
    string? _clusterCookie;
    TestCertificateAuthority? _tlsAuthority;
    bool _isPrivate;
    HttpClient _management = null!;

    public int AmqpPort { get; private set; }

    /// <summary>The largest message the broker takes, as deploy/rabbitmq/rabbitmq.conf declares it (RabbitMQ 4's default).</summary>
    public const int MaxMessageSize = 16 * 1024 * 1024;

    /// <summary>Where the broker takes AMQP over TLS, when it was started with a certificate authority.</summary>
    public int AmqpsPort { get; private set; }

    public int ManagementPort { get; private set; }

    /// <summary>Where RabbitMQ's own Prometheus endpoint answers (<c>/metrics</c>, <c>/metrics/detailed</c>).</summary>
    public int PrometheusPort { get; private set; }

    /// <summary>The Erlang node name, as <c>rabbitmqctl -n</c> and the cluster know it.</summary>
    public string NodeName => _serverEnvironment["RABBITMQ_NODENAME"];

    /// <summary>A broker of the caller's own, always started here, that it may stop and start again.</summary>
    public static async Task<Broker> StartPrivateAsync() => await StartPrivateAsync(clusterCookie: null);

    /// <summary>A broker of the caller's own that also takes AMQPS, with a certificate for localhost and 127.0.0.1 from <paramref name="authority"/>.</summary>
    public static async Task<Broker> StartPrivateWithTlsAsync(TestCertificateAuthority authority)
    {
        var broker = new Broker { _isPrivate = true, _tlsAuthority = authority };
        await broker.InitializeAsync();
        return broker;
    }

    static async Task<Broker> StartPrivateAsync(string? clusterCookie)
    {
        var broker = new Broker { _isPrivate = true, _clusterCookie = clusterCookie };
        await broker.InitializeAsync();
        return broker;
    }

    /// <summary>
    /// A RabbitMQ cluster on loopback: <paramref name="size"/> nodes from Debian's package, each with its own ports
    /// and data, sharing one Erlang cookie; all but the first join the first.
    /// </summary>
    public static async Task<IReadOnlyList<Broker>> StartClusterAsync(int size)
    {
        var cookie = Guid.NewGuid().ToString("N").ToUpperInvariant();
        var nodes = await Task.WhenAll(Enumerable.Range(0, size).Select(_ => StartPrivateAsync(cookie)));
        foreach (var node in nodes.Skip(1))
        {
            await node.JoinAsync(nodes[0]);
        }

        return nodes;
    }

    async Task JoinAsync(Broker seed)
    {
        string[][] commands = [["stop_app"], ["reset"], ["join_cluster", seed.NodeName], ["start_app"], ["await_startup"]];
        foreach (var command in commands)
        {
            var (exitCode, output, error) = await Repository.RunAsync($"{RabbitBin}/rabbitmqctl", ["-n", NodeName, .. command],
                environment: _serverEnvironment.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value)));
            Assert.True(exitCode == 0, $"rabbitmqctl {string.Join(' ', command)} on {NodeName} failed: {output}{error}");
        }

        await WaitUntilReadyAsync();
    }

    public async Task InitializeAsync()
    {
        if (!_isPrivate && Environment.GetEnvironmentVariable("ALERTS_TEST_AMQP_PORT") is { Length: > 0 } amqpPort)
        {
            AmqpPort = int.Parse(amqpPort, System.Globalization.CultureInfo.InvariantCulture);
            ManagementPort = int.Parse(Environment.GetEnvironmentVariable("ALERTS_TEST_MANAGEMENT_PORT") ?? "15672", System.Globalization.CultureInfo.InvariantCulture);
            PrometheusPort = int.Parse(Environment.GetEnvironmentVariable("ALERTS_TEST_PROMETHEUS_PORT") ?? "15692", System.Globalization.CultureInfo.InvariantCulture);
            ConnectManagement();
            await WaitUntilReadyAsync();
        }
        else
        {
            // RabbitMQ must be told its ports before it binds them: should another process take one in between,
            // the node stops at start, and it is started again on other ports.
            for (var attempt = 1; ; attempt++)
            {
                StartOwnBroker();
                ConnectManagement();
                try
                {
                    await WaitUntilReadyAsync();
                    break;
                }
                catch (InvalidOperationException) when (attempt < 3 && _server is { HasExited: true })
                {
                    _management.Dispose();
                    Directory.Delete(_dataFolder!, recursive: true);
                }
            }
        }

        await PutAsync($"users/{TestUser}", new { password = TestPassword, tags = "" });
    }

    void ConnectManagement()
    {
        _management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ManagementPort}/api/"), Timeout = TimeSpan.FromSeconds(10) };
        var admin = $"{Environment.GetEnvironmentVariable("ALERTS_TEST_ADMIN_USER") ?? "guest"}:{Environment.GetEnvironmentVariable("ALERTS_TEST_ADMIN_PASSWORD") ?? "guest"}";
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(admin)));
    }

    /// <summary>Stops the broker as an operator would (SIGTERM: a clean shutdown); its data stays.</summary>
    public async Task StopAsync()
    {
        var server = _server ?? throw new InvalidOperationException("only a broker started here can be stopped");
        await Signals.TerminateAsync(server, TimeSpan.FromSeconds(60));
        server.Dispose();
        _server = null;
    }

    /// <summary>Starts a stopped broker again, on the same ports with the same data.</summary>
    public async Task StartAgainAsync()
    {
        LaunchServer();
        await WaitUntilReadyAsync();
    }

    public async Task DisposeAsync()
    {
        _management?.Dispose();
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        if (_dataFolder is not null)
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
    }

    /// <summary>A fresh virtual host the test user may use, as the book's alert_user on its own virtual host.</summary>
    public async Task<BrokerVirtualHost> CreateVirtualHostAsync()
    {
        var name = $"test-{Guid.NewGuid():N}";
        await PutAsync($"vhosts/{name}", new { });
        await PutAsync($"permissions/{name}/{TestUser}", new { configure = ".*", write = ".*", read = ".*" });
        return new BrokerVirtualHost(this, name, TestUser, TestPassword);
    }

    /// <summary>Adds a user with the given permission patterns on one virtual host and no others.</summary>
    public async Task<IReadOnlyDictionary<string, string>> CreateUserAsync(BrokerVirtualHost virtualHost, string configure, string write, string read)
    {
        var user = $"user-{Guid.NewGuid():N}";
        var password = Guid.NewGuid().ToString("N");
        await PutAsync($"users/{user}", new { password, tags = "" });
        await PutAsync($"permissions/{Uri.EscapeDataString(virtualHost.Name)}/{user}", new { configure, write, read });
        return new Dictionary<string, string>(virtualHost.Settings) { ["RabbitMq__Username"] = user, ["RabbitMq__Password"] = password };
    }

    /// <summary>Loads a definitions file (virtual hosts, users, permissions) as the broker would at boot.</summary>
    public async Task ImportDefinitionsAsync(string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await _management.PostAsync("definitions", content);
        response.EnsureSuccessStatusCode();
    }

    internal async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _management.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    internal async Task DeleteAsync(string path) => (await _management.DeleteAsync(path)).Dispose();

    async Task PutAsync(string path, object body)
    {
        using var response = await _management.PutAsJsonAsync(path, body);
        response.EnsureSuccessStatusCode();
    }

    void StartOwnBroker()
    {
        if (!File.Exists($"{RabbitBin}/rabbitmq-server"))
        {
            throw new InvalidOperationException(
                "RabbitMQ is not installed: run ./scripts/broker.sh install (it runs apt-get install rabbitmq-server), "
                + "or point the tests at a running broker with ALERTS_TEST_AMQP_PORT and ALERTS_TEST_MANAGEMENT_PORT.");
        }

        AmqpPort = FreePort.OnLoopback();
        ManagementPort = FreePort.OnLoopback();
        PrometheusPort = FreePort.OnLoopback();
        _dataFolder = Directory.CreateTempSubdirectory("alerts-broker-").FullName;
        File.WriteAllText(Path.Combine(_dataFolder, "rabbitmq.conf"), $"""
            listeners.tcp.1 = 127.0.0.1:{AmqpPort}
            management.tcp.ip = 127.0.0.1
            management.tcp.port = {ManagementPort}
            prometheus.tcp.ip = 127.0.0.1
            prometheus.tcp.port = {PrometheusPort}
            collect_statistics_interval = 500
            max_message_size = {MaxMessageSize}
            """);
        if (_tlsAuthority is not null)
        {
            AmqpsPort = FreePort.OnLoopback();
            var (certificate, key) = _tlsAuthority.WriteServerCertificatePem(_dataFolder);
            File.AppendAllText(Path.Combine(_dataFolder, "rabbitmq.conf"), $"""

                listeners.ssl.1 = 127.0.0.1:{AmqpsPort}
                ssl_options.cacertfile = {_tlsAuthority.CertificateFile}
                ssl_options.certfile = {certificate}
                ssl_options.keyfile = {key}
                ssl_options.verify = verify_none
                ssl_options.fail_if_no_peer_cert = false
                """);
        }

        File.WriteAllText(Path.Combine(_dataFolder, "enabled_plugins"), "[rabbitmq_management,rabbitmq_prometheus].");
        if (_clusterCookie is not null)
        {
            // Nodes (and the CLI) find the cookie in $HOME; a cluster's nodes must share it.
            var cookieFile = Path.Combine(_dataFolder, ".erlang.cookie");
            File.WriteAllText(cookieFile, _clusterCookie);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(cookieFile, UnixFileMode.UserRead);
            }
        }

        _serverEnvironment["HOME"] = _dataFolder;
        _serverEnvironment["RABBITMQ_NODENAME"] = $"alerts-test-{AmqpPort}@localhost";
        _serverEnvironment["RABBITMQ_NODE_PORT"] = AmqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _serverEnvironment["RABBITMQ_DIST_PORT"] = FreePort.OnLoopback().ToString(System.Globalization.CultureInfo.InvariantCulture);
        _serverEnvironment["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        _serverEnvironment["RABBITMQ_CONFIG_FILE"] = Path.Combine(_dataFolder, "rabbitmq.conf");
        _serverEnvironment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_dataFolder, "enabled_plugins");
        _serverEnvironment["RABBITMQ_MNESIA_BASE"] = Path.Combine(_dataFolder, "mnesia");
        _serverEnvironment["RABBITMQ_LOG_BASE"] = Path.Combine(_dataFolder, "log");
        _serverEnvironment["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        LaunchServer();
    }

    void LaunchServer()
    {
        var start = new ProcessStartInfo($"{RabbitBin}/rabbitmq-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in _serverEnvironment)
        {
            start.Environment[name] = value;
        }

        _server = Process.Start(start) ?? throw new InvalidOperationException("rabbitmq-server did not start");
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
    }

    async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        string? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_server is { HasExited: true })
            {
                throw new InvalidOperationException($"rabbitmq-server exited with code {_server.ExitCode}; see the logs in {_dataFolder}/log");
            }

            try
            {
                using var response = await _management.GetAsync("overview");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                lastError = $"management API answered {(int)response.StatusCode}";
            }
            catch (HttpRequestException unreachable)
            {
                lastError = unreachable.Message;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"RabbitMQ on 127.0.0.1:{AmqpPort} (management {ManagementPort}) was not ready within 90s: {lastError}. "
            + "Start one with ./scripts/broker.sh start, or install rabbitmq-server.");
    }

    internal ConnectionFactory ConnectionFactory(string virtualHost, string user, string password) => new()
    {
        HostName = "127.0.0.1",
        Port = AmqpPort,
        VirtualHost = virtualHost,
        UserName = user,
        Password = password,
    };
}

[CollectionDefinition(Name)]
public sealed class UsesBroker : ICollectionFixture<Broker>
{
    public const string Name = "broker";
}
