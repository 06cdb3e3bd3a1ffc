using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using MassTransit;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Alerts.ServiceDefaults;

/// <summary>
/// Every connection the project opens to RabbitMQ comes from here, so the bus and the tools that work on queues
/// directly (the replay) read the node list, the ports, TLS and the credentials of <see cref="RabbitMqOptions"/> alike.
/// </summary>
public static class BrokerConnection
{
    const SslProtocols TlsVersions = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Connects MassTransit's bus, with publisher confirms; on a cluster each reconnect tries the next node.</summary>
    public static void UseBroker(this IRabbitMqBusFactoryConfigurator bus, RabbitMqOptions broker)
    {
        var nodes = broker.Nodes();
        var (firstHost, firstPort) = nodes[0];
        bus.Host(firstHost, (ushort)firstPort, broker.VirtualHost, ClientName("bus"), host =>
        {
            host.Username(broker.Username);
            host.Password(broker.Password);
            host.PublisherConfirmation = true;
            if (nodes.Count > 1)
            {
                // Losing one node of a cluster costs a reconnect, not the service.
                host.UseCluster(cluster =>
                {
                    foreach (var (nodeHost, nodePort) in nodes)
                    {
                        cluster.Node($"{nodeHost}:{nodePort}");
                    }
                });
            }

            if (broker.UseTls)
            {
                host.UseSsl(tls =>
                {
                    tls.ServerName = TlsServerName(broker);
                    tls.Protocol = TlsVersions;
                    // MassTransit accepts a certificate of an unknown authority or for another name unless told otherwise.
                    tls.EnforcePolicyErrors(SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch
                        | SslPolicyErrors.RemoteCertificateNotAvailable);
                });
            }
        });
    }

    /// <summary>
    /// Opens a plain RabbitMQ.Client connection, for work the bus does not do (moving messages between queues):
    /// the first node that answers, in the order <see cref="RabbitMqOptions.Host"/> names them.
    /// </summary>
    /// <exception cref="BrokerUnreachableException">No node answered, or the broker refused the user or virtual host.</exception>
    /// <param name="automaticRecovery">False for a reader that acknowledges by delivery tag: tags do not survive a recovered channel.</param>
    public static Task<IConnection> ConnectAsync(RabbitMqOptions broker, string purpose, CancellationToken cancellationToken, bool automaticRecovery = true)
    {
        var factory = new ConnectionFactory
        {
            AutomaticRecoveryEnabled = automaticRecovery,
            VirtualHost = broker.VirtualHost,
            UserName = broker.Username,
            Password = broker.Password,
            ClientProvidedName = ClientName(purpose),
        };
        var endpoints = broker.Nodes()
            .Select(node => new AmqpTcpEndpoint(node.Host, node.Port, new SslOption(TlsServerName(broker), enabled: broker.UseTls) { Version = TlsVersions }))
            .ToList();
        return factory.CreateConnectionAsync(endpoints, cancellationToken);
    }

    /// <summary>
    /// Opens a channel on a connection from <see cref="ConnectAsync"/>. The client can hand over a connection before the broker
    /// accepted its virtual host (rabbitmq/rabbitmq-dotnet-client#1999); when the broker then closes it, the first channel
    /// can wait out the client's 20 s continuation timeout instead of failing, and the broker's reason is thrown here instead.
    /// </summary>
    public static async Task<IChannel> OpenChannelAsync(this IConnection connection, CreateChannelOptions? options, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.CreateChannelAsync(options, cancellationToken);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && connection.CloseReason is { } closed)
        {
            throw new AlreadyClosedException(closed);
        }
    }

    /// <summary>True for the failures of reaching or logging in to the broker, which <see cref="Describe"/> puts in one line.</summary>
    public static bool IsConnectionFailure(Exception failure) =>
        failure is RabbitMQClientException or SocketException or AuthenticationException or IOException;

    /// <summary>One line an operator can act on: what failed, at which broker, as which user, and why (ACCESS_REFUSED, connection refused, …).</summary>
    public static string Describe(Exception failure, RabbitMqOptions broker) => $"{Name(broker)}: {Reason(failure)}";

    /// <summary>Where and who we are to the broker: <c>RabbitMQ at rabbit-0:5672, rabbit-1:5672 (virtual host 'alerts', user 'alert_consumer')</c>.</summary>
    public static string Name(RabbitMqOptions broker) =>
        $"RabbitMQ at {string.Join(", ", broker.Nodes().Select(node => $"{node.Host}:{node.Port}"))} (virtual host '{broker.VirtualHost}', user '{broker.Username}')";

    /// <summary>The innermost failure says why; with a node list, the last node's failure says why the last hope failed.</summary>
    static string Reason(Exception failure)
    {
        var inner = failure;
        while (inner.InnerException is { } next)
        {
            inner = next is AggregateException { InnerExceptions.Count: > 0 } each ? each.InnerExceptions[^1] : next;
        }

        // The client's continuation timeout cancels what waited for the broker: say so rather than "a task was canceled".
        return inner is OperationCanceledException ? "it did not answer in time" : inner.Message.TrimEnd('.');
    }

    /// <summary>With a cluster, one certificate names every node (as a wildcard or in its alternative names).</summary>
    static string TlsServerName(RabbitMqOptions broker) => broker.Nodes()[0].Host;

    static string ClientName(string purpose) => $"alerts-{AppDomain.CurrentDomain.FriendlyName}-{purpose}";
}
