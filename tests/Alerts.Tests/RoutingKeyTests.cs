using Alerts.Contracts;

namespace Alerts.Tests;

public sealed class When_parsing_a_routing_key
{
    [Theory]
    [InlineData("critical.rate_limit", Severity.Critical, "rate_limit")]
    [InlineData("warning.mywebapp", Severity.Warning, "mywebapp")]
    [InlineData("info.db2", Severity.Info, "db2")]
    public void Should_read_severity_and_type(string text, Severity severity, string type)
    {
        var key = RoutingKey.Parse(text);

        Assert.Equal(severity, key.Severity);
        Assert.Equal(type, key.Type);
        Assert.Equal(text, key.ToString());
    }

    [Theory]
    [InlineData("", "not SEVERITY.TYPE")]
    [InlineData("critical", "not SEVERITY.TYPE")]
    [InlineData("urgent.rate_limit", "severity 'urgent'")]
    [InlineData("Critical.rate_limit", "severity 'Critical'")]
    [InlineData("critical.", "type ''")]
    [InlineData("critical.rate-limit", "type 'rate-limit'")]
    [InlineData("critical.rate_limit.extra", "type 'rate_limit.extra'")]
    [InlineData("critical.*", "type '*'")]
    [InlineData("critical.a\r\nBcc: x", "type 'a\r\nBcc: x'")]
    public void Should_refuse_a_malformed_key_and_say_why(string text, string reason)
    {
        Assert.False(RoutingKey.TryParse(text, out var key, out var error));
        Assert.Null(key);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => RoutingKey.Parse(text));
    }

    [Fact]
    public void Should_refuse_a_type_longer_than_the_limit()
    {
        Assert.False(RoutingKey.TryParse("info." + new string('a', RoutingKey.MaxTypeLength + 1), out _));
        Assert.True(RoutingKey.TryParse("info." + new string('a', RoutingKey.MaxTypeLength), out _));
    }

    [Fact]
    public void Should_be_equal_by_value()
    {
        Assert.Equal(RoutingKey.Parse("critical.rate_limit"), RoutingKey.Create(Severity.Critical, "rate_limit"));
    }
}

public sealed class When_the_solution_is_restored
{
    [Fact]
    public void Should_run_on_the_apache_licensed_masstransit_8()
    {
        // MassTransit 9 is a commercial product: a restore that drifts to it is a defect.
        Assert.Equal(8, typeof(MassTransit.IBus).Assembly.GetName().Version?.Major);
        Assert.Equal(8, typeof(MassTransit.RabbitMqBusFactoryConfiguratorExtensions).Assembly.GetName().Version?.Major);
    }
}
