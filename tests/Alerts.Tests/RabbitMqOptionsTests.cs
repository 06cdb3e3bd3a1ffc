using Alerts.ServiceDefaults;

namespace Alerts.Tests;

public sealed class When_the_broker_is_a_cluster
{
    [Fact]
    public void Should_read_each_node_with_the_default_port_where_it_names_none()
    {
        var options = new RabbitMqOptions { Host = "rabbit-0, rabbit-1:5673,rabbit-2", Port = 5671, Username = "u", Password = "p" };

        Assert.Equal([("rabbit-0", 5671), ("rabbit-1", 5673), ("rabbit-2", 5671)], options.Nodes());
        Assert.Null(new SettingsValidator<RabbitMqOptions>().Validate(null, options).FailureMessage);
    }

    [Theory]
    [InlineData("rabbit-0,,rabbit-2", "''")]
    [InlineData("rabbit-0:http", "'rabbit-0:http'")]
    [InlineData("rabbit-0:70000", "'rabbit-0:70000'")]
    public void Should_name_a_node_it_cannot_read(string host, string named)
    {
        var options = new RabbitMqOptions { Host = host, Username = "u", Password = "p" };

        var failure = new SettingsValidator<RabbitMqOptions>().Validate(null, options).FailureMessage;

        Assert.Contains($"RabbitMq:Host {named} is not a host or host:port", failure, StringComparison.Ordinal);
    }
}
