using Alerts.ServiceDefaults;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Alerts.Tests;

public sealed class When_a_command_loses_the_broker
{
    static readonly RabbitMqOptions Broker = new() { Host = "rabbit-0", VirtualHost = "alerts", Username = "ops", Password = "p" };

    [Fact]
    public void Should_say_that_the_broker_did_not_answer_when_the_client_stopped_waiting()
    {
        var line = BrokerConnection.Describe(new TaskCanceledException("A task was canceled."), Broker);

        Assert.Equal("RabbitMQ at rabbit-0:5672 (virtual host 'alerts', user 'ops'): it did not answer in time", line);
    }

    [Fact]
    public void Should_name_the_brokers_reason_when_it_closed_the_connection()
    {
        var closed = new AlreadyClosedException(new ShutdownEventArgs(ShutdownInitiator.Peer, 530, "NOT_ALLOWED - vhost alerts not found"));

        Assert.True(BrokerConnection.IsConnectionFailure(closed));
        Assert.Contains("NOT_ALLOWED - vhost alerts not found", BrokerConnection.Describe(closed, Broker), StringComparison.Ordinal);
    }
}
