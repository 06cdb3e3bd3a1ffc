using System.Text;
using Alerts.IntegrationTests.Support;
using Alerts.TestSupport;

namespace Alerts.IntegrationTests;

/// <summary>
/// A submission server as the Kubernetes manifests expect one (port 587: STARTTLS, then a login). Mail goes only over
/// TLS to a server whose certificate the consumer trusts, after a login the server accepts. An untrusted certificate or
/// a server without STARTTLS is retried (a certificate gets renewed, STARTTLS re-enabled), a refused login (535, a
/// permanent reply) is not; then the alert is parked with the reason, where replay finds it once the cause is fixed.
/// Nothing is ever sent in the clear.
/// </summary>
[Collection(UsesBroker.Name)]
public sealed class When_the_mail_server_wants_starttls_and_a_login(Broker broker)
{
    static readonly (string User, string Password) Login = ("alerts", "test-password-587");

    [Fact]
    public async Task Should_mail_over_tls_after_logging_in()
    {
        using var authority = TestCertificateAuthority.Create();
        using var certificate = authority.IssueServerCertificate();
        await using var sink = await SmtpSink.StartAsync(certificate, Login);

        var (virtualHost, consumer) = await StartAsync(sink, Login.Password, ("SSL_CERT_FILE", authority.CertificateFile));
        await using (virtualHost)
        await using (consumer)
        {
            await virtualHost.PublishAsync("critical.db", """{"text":"database down"}""");

            await Eventually.HoldsAsync(() => Task.FromResult(sink.AcceptedCount == 1), TimeSpan.FromSeconds(30), $"the mail; the consumer printed:{Environment.NewLine}{consumer}");
            Assert.Equal(1, sink.SecureMails);
        }
    }

    [Fact]
    public async Task Should_park_rather_than_send_to_a_server_whose_certificate_it_does_not_trust()
    {
        using var strangers = TestCertificateAuthority.Create(); // the consumer trusts the system's authorities, not this one
        using var certificate = strangers.IssueServerCertificate();
        await using var sink = await SmtpSink.StartAsync(certificate, Login);

        var reason = await ParkedReasonAsync(sink, Login.Password, attempts: 2);

        Assert.Contains("certificate", reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, sink.AcceptedCount);
    }

    [Fact]
    public async Task Should_park_rather_than_send_in_the_clear_to_a_server_without_starttls()
    {
        await using var sink = await SmtpSink.StartAsync();

        var reason = await ParkedReasonAsync(sink, Login.Password, attempts: 2);

        Assert.Contains("STARTTLS", reason, StringComparison.Ordinal);
        Assert.Equal(0, sink.AcceptedCount);
    }

    [Fact]
    public async Task Should_park_when_the_server_refuses_the_login()
    {
        using var authority = TestCertificateAuthority.Create();
        using var certificate = authority.IssueServerCertificate();
        await using var sink = await SmtpSink.StartAsync(certificate, Login);

        var reason = await ParkedReasonAsync(sink, "not-the-password", attempts: 1, ("SSL_CERT_FILE", authority.CertificateFile));

        Assert.Contains("authentication failed", reason, StringComparison.Ordinal); // the server's 535 reply text
        Assert.Equal(0, sink.AcceptedCount);
    }

    /// <summary>Publishes one alert to a consumer that cannot mail it, and returns the reason it was parked with.</summary>
    /// <param name="attempts">2 for a failure worth retrying (the attempt and its one retry here), 1 for a permanent 5xx refusal.</param>
    async Task<string> ParkedReasonAsync(SmtpSink sink, string password, int attempts, params (string Name, string Value)[] settings)
    {
        var (virtualHost, consumer) = await StartAsync(sink, password, settings);
        await using (virtualHost)
        await using (consumer)
        {
            await virtualHost.PublishAsync("critical.db", """{"text":"database down"}""");
            RabbitMQ.Client.BasicGetResult? parked = null;
            await Eventually.HoldsAsync(async () =>
            {
                try
                {
                    return (parked = (await virtualHost.DrainAsync("critical_error")).SingleOrDefault()) is not null;
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
                {
                    return false; // the error queue is being declared as we ask
                }
            }, TimeSpan.FromSeconds(60), "the alert parked in critical_error");
            var reason = Encoding.UTF8.GetString((byte[])parked!.BasicProperties.Headers!["MT-Fault-Message"]!);
            // The operator reads it in the consumer's log too: one line per attempt, no stack trace.
            await Eventually.HoldsAsync(() => Task.FromResult(consumer.Output.Any(line => line.Contains("Parked alert", StringComparison.Ordinal))),
                TimeSpan.FromSeconds(10), "the consumer's line about the parked alert");
            Assert.Equal(attempts, consumer.Count("Could not notify email"));
            Assert.DoesNotContain(consumer.Output, line => line[5..].TrimStart().StartsWith("at ", StringComparison.Ordinal));
            return reason;
        }
    }

    async Task<(BrokerVirtualHost, Service)> StartAsync(SmtpSink sink, string password, params (string Name, string Value)[] settings)
    {
        var virtualHost = await broker.CreateVirtualHostAsync();
        var consumer = Service.Consumer(virtualHost, sink.Port, "critical",
        [
            ("Smtp__Security", "StartTls"),
            ("Smtp__Username", Login.User),
            ("Smtp__Password", password),
            ("Smtp__CheckCertificateRevocation", "false"), // the test's authority publishes no revocation list
            // One quick retry instead of five minutes of them: what matters is where the alert ends.
            ("Alerts__Retry__Limit", "1"),
            ("Alerts__Retry__MinInterval", "00:00:00.100"),
            ("Alerts__Retry__MaxInterval", "00:00:00.200"),
            .. settings,
        ]);
        await virtualHost.WaitForConsumersAsync("critical", 1);
        return (virtualHost, consumer);
    }
}
