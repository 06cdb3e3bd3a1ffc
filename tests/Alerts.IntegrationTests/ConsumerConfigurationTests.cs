using Alerts.IntegrationTests.Support;

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
    [InlineData("Smtp__Hots", "mail.example.com", "no setting Smtp:Hots (Smtp has Host, Port, Security, Username, Password, From, IdleTimeout)")]
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
