using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Alerts.Tests.Support;

/// <summary>
/// A real SMTP server on a free loopback port that keeps every mail it accepts. It can be told to
/// refuse mail with a reply code, so tests see what the consumer does when the mail server says no.
/// </summary>
public sealed class SmtpSink : MessageStore, IAsyncDisposable
{
    readonly ConcurrentQueue<MimeMessage> _accepted = new();
    readonly CancellationTokenSource _stopping = new();
    readonly SmtpServer.SmtpServer _server;
    readonly Task _running;
    readonly ConcurrentDictionary<ISessionContext, bool> _mailingSessions = new();
    int _refused;

    SmtpSink(int port)
    {
        Port = port;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(this);
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stopping.Token);
    }

    public int Port { get; }

    /// <summary>When set, every mail is answered with this code (say 451 or 554) instead of being accepted.</summary>
    public SmtpReplyCode? RefuseWith { get; set; }

    public IReadOnlyCollection<MimeMessage> Accepted => _accepted;

    /// <summary>SMTP connections that carried mail: tells whether the client reuses them.</summary>
    public int MailingSessions => _mailingSessions.Count;

    public int Refused => Volatile.Read(ref _refused);

    public static async Task<SmtpSink> StartAsync()
    {
        var sink = new SmtpSink(FreeLoopbackPort());
        await WaitUntilListeningAsync(sink.Port);
        return sink;
    }

    public override Task<SmtpResponse> SaveAsync(
        ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        _mailingSessions.TryAdd(context, true);
        if (RefuseWith is { } code)
        {
            Interlocked.Increment(ref _refused);
            return Task.FromResult(new SmtpResponse(code, "refused by the test"));
        }

        using var stream = new MemoryStream(buffer.ToArray());
        _accepted.Enqueue(MimeMessage.Load(stream, cancellationToken));
        return Task.FromResult(SmtpResponse.Ok);
    }

    /// <summary>Waits until at least <paramref name="count"/> mails were accepted, or fails at the deadline.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_accepted.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the SMTP sink accepted {_accepted.Count} of {count} mails within {timeout.TotalSeconds:0}s");
            }

            await Task.Delay(20);
        }

        return [.. _accepted];
    }

    public async ValueTask DisposeAsync()
    {
        _server.Shutdown();
        await _stopping.CancelAsync();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (OperationCanceledException)
        {
            // The server ends by cancellation.
        }

        _stopping.Dispose();
    }

    static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static async Task WaitUntilListeningAsync(int port)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }

        throw new InvalidOperationException($"the SMTP sink did not listen on port {port}");
    }
}
