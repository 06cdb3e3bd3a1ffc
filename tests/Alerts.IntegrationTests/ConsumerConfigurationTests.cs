using Alerts.IntegrationTests.Support;
using Alerts.TestSupport;

namespace Alerts.IntegrationTests;

[Collection(UsesBroker.Name)]
public sealed class When_the_consumer_is_misconfigured(Broker broker)
{
    [Theory]
    [InlineData("Smtp__Host", "", "Smtp:Host is required")]
    [InlineData("Alerts__Serve", "pager", "Alerts:Serve names route 'pager'")]
    [InlineData("Alerts__Routes__critical__Bindings__0", "critical*", "Alerts:Routes:critical:Bindings 'critical*'")]
    [InlineData("Smtp__Security", "Bogus", "'Bogus' at 'Smtp:Security'")]
    [InlineData("Alerts__PrefetchCount", "many", "'many' at 'Alerts:PrefetchCount'")]
    [InlineData("Smtp__Hots", "mail.example.com", "no setting Smtp:Hots (Smtp has Host, Port, Security, Username, Password, From, ")]
    [InlineData("RabbitMq__Host", "rabbit-0,rabbit-1:amqp", "RabbitMq:Host 'rabbit-1:amqp' is not a host or host:port")]
    [InlineData("Telemetry__Exporter", "Jaeger", "'Jaeger' at 'Telemetry:Exporter'")]
    public async Task Should_stop_at_start_with_one_line_naming_the_setting(string name, string value, string error)
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await using var consumer = Service.Consumer(virtualHost, smtpPort: 2525, serve: null, (name, value));

        await consumer.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, consumer.ExitCode);
        var line = Assert.Single(consumer.StandardError);
        Assert.Contains(error, line, StringComparison.Ordinal);
    }
}

[Collection(UsesBroker.Name)]
public sealed class When_the_broker_refuses_the_consumer(Broker broker)
{
    [Theory]
    [InlineData("RabbitMq__Password", "wrong", "ACCESS_REFUSED")]
    [InlineData("RabbitMq__VirtualHost", "no-such-vhost", "NOT_ALLOWED")]
    public async Task Should_stay_not_ready_and_say_why_in_one_line_per_attempt(string name, string value, string reason)
    {
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await using var sink = await SmtpSink.StartAsync();
        await using var consumer = Service.Consumer(virtualHost, sink.Port, "critical", (Name: name, Value: value));
        var readiness = new Uri(await consumer.HttpAddressAsync(), "/health/ready");

        // Probed as an orchestrator probes it: each failed probe, like each failed attempt, says why in one line.
        await Eventually.HoldsAsync(async () =>
        {
            await using var check = await Service.CheckHealthAsync(readiness);
            Assert.Equal(1, check.ExitCode);
            return consumer.Output.Any(line => line.Contains(reason, StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(30), $"a line saying {reason}");

        Assert.False(consumer.HasExited);
        var settings = new Dictionary<string, string>(virtualHost.Settings) { [name] = value };
        var whereAndWho = $"RabbitMQ at 127.0.0.1:{settings["RabbitMq__Port"]} (virtual host '{settings["RabbitMq__VirtualHost"]}', user '{settings["RabbitMq__Username"]}')";
        Assert.All(consumer.Output.Where(line => line.Contains(reason, StringComparison.Ordinal)), line => Assert.Contains(whereAndWho, line, StringComparison.Ordinal));
        // No stack traces: every line is a log line, not a frame of an exception.
        Assert.DoesNotContain(consumer.Output, line => line[5..].TrimStart().StartsWith("at ", StringComparison.Ordinal) || line.Contains("--- End of", StringComparison.Ordinal));
    }
}
