using Alerts.IntegrationTests.Support;
using Alerts.TestSupport;

namespace Alerts.IntegrationTests;

/// <summary>
/// AMQPS (<c>RabbitMq:UseTls</c>) against a real broker with a TLS listener, its certificate from a test authority that
/// the services trust through <c>SSL_CERT_FILE</c>: the bus, the producer and the replay all connect through it.
/// </summary>
[Collection(UsesBroker.Name)]
public sealed class When_the_broker_speaks_tls
{
    [Fact]
    public async Task Should_publish_consume_and_replay_over_amqps()
    {
        using var authority = TestCertificateAuthority.Create();
        await using var broker = await Broker.StartPrivateWithTlsAsync(authority);
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await using var sink = await SmtpSink.StartAsync();
        var overTls = OverTls(broker, virtualHost, ("SSL_CERT_FILE", authority.CertificateFile));

        await using var consumer = Service.Consumer(virtualHost, sink.Port, "critical", [.. overTls.Select(setting => (setting.Key, setting.Value))]);
        await virtualHost.WaitForConsumersAsync("critical", 1);
        await using var produced = await Service.ProduceAsync(overTls, "-r", "critical.db", "-m", "database down");
        await using var replay = await Service.ReplayAsync(overTls, "critical");

        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.Single(await sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.True(replay.ExitCode == 0, replay.ToString());
        // The consumer's connection, as the broker lists it once its statistics come in: over TLS.
        List<System.Text.Json.JsonElement> connections = [];
        await Eventually.HoldsAsync(async () => (connections = [.. (await broker.GetAsync("connections")).EnumerateArray()
            .Where(connection => connection.GetProperty("vhost").GetString() == virtualHost.Name)
            // The services name their connections (alerts-PROGRAM-PURPOSE); the test's own plain client does not.
            .Where(connection => connection.GetProperty("client_properties").TryGetProperty("connection_name", out var name)
                && name.GetString()!.StartsWith("alerts-", StringComparison.Ordinal))]).Count > 0,
            TimeSpan.FromSeconds(30), "the consumer's connection in the broker's list");
        Assert.All(connections, connection => Assert.True(connection.GetProperty("ssl").GetBoolean(), "a connection without TLS"));
    }

    [Fact]
    public async Task Should_refuse_a_broker_whose_certificate_it_does_not_trust()
    {
        using var authority = TestCertificateAuthority.Create();
        await using var broker = await Broker.StartPrivateWithTlsAsync(authority);
        await using var virtualHost = await broker.CreateVirtualHostAsync();

        await using var produced = await Service.ProduceAsync(OverTls(broker, virtualHost), "-r", "critical.db", "-m", "database down", "--timeout", "5");
        await using var replay = await Service.ReplayAsync(OverTls(broker, virtualHost), "critical");

        Assert.Equal(1, produced.ExitCode);
        Assert.Single(produced.StandardError);
        Assert.Equal(1, replay.ExitCode);
        Assert.Contains("certificate", Assert.Single(replay.StandardError), StringComparison.OrdinalIgnoreCase);
    }

    static Dictionary<string, string> OverTls(Broker broker, BrokerVirtualHost virtualHost, params (string Name, string Value)[] settings)
    {
        var overTls = new Dictionary<string, string>(virtualHost.Settings)
        {
            ["RabbitMq__Port"] = broker.AmqpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq__UseTls"] = "true",
        };
        foreach (var (name, value) in settings)
        {
            overTls[name] = value;
        }

        return overTls;
    }
}
