using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Alerts.TestSupport;

/// <summary>
/// A real SMTP server on a free loopback port that keeps every mail it accepts. It can be told to
/// refuse mail with a reply code, and be stopped (connections refused) and started again on the
/// same port, so tests see what the consumer does when the mail server says no or is down.
/// </summary>
public sealed class SmtpSink : MessageStore, IEndpointListenerFactory, IUserAuthenticator, IAsyncDisposable
{
    readonly X509Certificate2? _certificate;
    readonly (string User, string Password)? _login;
    int _secureMails;
    readonly ConcurrentQueue<MimeMessage> _accepted = new();
    readonly ConcurrentQueue<string> _envelopeRecipients = new();
    readonly ConcurrentDictionary<ISessionContext, bool> _mailingSessions = new();
    SmtpServer.SmtpServer? _server;
    CancellationTokenSource? _stopping;
    Task? _running;
    int _refused;
    int _acceptedCount;

    TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The loopback port the sink listens on: any free one at its first start, the same one at each restart.</summary>
    public int Port { get; private set; }

    /// <summary>When set, every mail is answered with this code (say 451 or 554) instead of being accepted.</summary>
    public SmtpReplyCode? RefuseWith { get; set; }

    /// <summary>How long the server takes to accept each mail, as a slow mail server would.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>When each alert id was accepted, for latency measurements.</summary>
    public ConcurrentDictionary<Guid, DateTimeOffset> AcceptedAt { get; } = new();

    /// <summary>Keep only ids and times, not whole messages: for benchmarks that send many thousands.</summary>
    public bool KeepMessages { get; set; } = true;

    public int AcceptedCount => Volatile.Read(ref _acceptedCount);

    /// <summary>Forgets what was accepted, for the next measurement.</summary>
    public void Forget()
    {
        _accepted.Clear();
        _envelopeRecipients.Clear();
        AcceptedAt.Clear();
        Interlocked.Exchange(ref _acceptedCount, 0);
    }

    public IReadOnlyCollection<MimeMessage> Accepted => _accepted;

    /// <summary>
    /// Every address the client named in RCPT TO for an accepted mail: who really receives it, whatever the headers say
    /// (a client strips Bcc from the headers it sends, but still delivers to it).
    /// </summary>
    public IReadOnlyCollection<string> EnvelopeRecipients => _envelopeRecipients;

    /// <summary>SMTP connections that carried mail: tells whether the client reuses them.</summary>
    public int MailingSessions => _mailingSessions.Count;

    public int Refused => Volatile.Read(ref _refused);

    /// <summary>How many times each alert id was mailed (per recipient).</summary>
    public Dictionary<Guid, int> MailsPerAlertId() => _accepted
        .Select(mail => mail.Headers["X-Alert-Id"])
        .OfType<string>()
        .GroupBy(Guid.Parse)
        .ToDictionary(mails => mails.Key, mails => mails.Count());

    /// <summary>The mails to one address, and how many alerts they account for in all (their X-Alert-Count headers).</summary>
    public (int Mails, long Alerts) AccountedFor(string address)
    {
        var mails = _accepted.Where(mail => mail.To.Mailboxes.Any(to => to.Address == address)).ToList();
        return (mails.Count, mails.Sum(mail => long.Parse(mail.Headers["X-Alert-Count"] ?? "0", System.Globalization.CultureInfo.InvariantCulture)));
    }

    SmtpSink(X509Certificate2? certificate, (string User, string Password)? login)
    {
        _certificate = certificate;
        _login = login;
    }

    /// <summary>Mails accepted over a connection that STARTTLS had secured.</summary>
    public int SecureMails => Volatile.Read(ref _secureMails);

    /// <summary>
    /// Starts a sink; with a <paramref name="certificate"/> it offers STARTTLS, and with a <paramref name="login"/> it
    /// takes mail only from a client that logged in with it, and only over TLS, as a submission server on port 587 does.
    /// </summary>
    public static async Task<SmtpSink> StartAsync(X509Certificate2? certificate = null, (string User, string Password)? login = null)
    {
        var sink = new SmtpSink(certificate, login);
        await sink.StartAgainAsync();
        return sink;
    }

    public Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken) =>
        Task.FromResult(_login is { } login && user == login.User && password == login.Password);

    /// <summary>Listens again on the same port, keeping what was accepted before.</summary>
    public async Task StartAgainAsync()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint =>
            {
                endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port));
                if (_certificate is not null)
                {
                    endpoint.Certificate(_certificate);
                }

                if (_login is not null)
                {
                    endpoint.AuthenticationRequired().AllowUnsecureAuthentication(false);
                }
            })
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add((IMessageStore)this);
        services.Add((IEndpointListenerFactory)this);
        services.Add((IUserAuthenticator)this);
        _stopping = new CancellationTokenSource();
        _listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stopping.Token);
        await _listening.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Stops listening: from now on, connections are refused.</summary>
    public async Task StopAsync()
    {
        if (_server is null)
        {
            return;
        }

        _server.Shutdown();
        await _stopping!.CancelAsync();
        try
        {
            await _running!.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            // The server ends by cancellation.
        }

        _stopping.Dispose();
        _server = null;
    }

    public override async Task<SmtpResponse> SaveAsync(
        ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        _mailingSessions.TryAdd(context, true);
        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, cancellationToken);
        }

        if (RefuseWith is { } code)
        {
            Interlocked.Increment(ref _refused);
            return new SmtpResponse(code, "refused by the test");
        }

        using var stream = new MemoryStream(buffer.ToArray());
        var message = await MimeMessage.LoadAsync(stream, cancellationToken);
        if (message.Headers["X-Alert-Id"] is { } id && Guid.TryParse(id, out var alertId))
        {
            AcceptedAt.TryAdd(alertId, DateTimeOffset.UtcNow);
        }

        if (KeepMessages)
        {
            _accepted.Enqueue(message);
            foreach (var recipient in transaction.To)
            {
                _envelopeRecipients.Enqueue($"{recipient.User}@{recipient.Host}");
            }
        }

        if (context.Pipe.IsSecure)
        {
            Interlocked.Increment(ref _secureMails);
        }

        Interlocked.Increment(ref _acceptedCount);
        return SmtpResponse.Ok;
    }

    /// <summary>
    /// Sets TCP_NODELAY on every connection: with Nagle on, a client that pipelines its commands
    /// waits about 40 ms for every reply.
    /// </summary>
    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        // Bound here, to port 0 the first time: the port is taken by the sink itself, never found free and bound later.
        var listener = new TcpListener(endpointDefinition.Endpoint);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _listening.TrySetResult();
        return new NoDelayListener(listener);
    }

    sealed class NoDelayListener(TcpListener listener) : IEndpointListener
    {
        public async Task<SmtpServer.IO.ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken);
            client.NoDelay = true;
            return new LoopbackPipe(client);
        }

        public void Dispose() => listener.Stop();
    }

    /// <summary>A loopback connection that STARTTLS can secure, when the sink has a certificate to offer.</summary>
    sealed class LoopbackPipe(TcpClient client) : SmtpServer.IO.ISecurableDuplexPipe
    {
        Stream _stream = client.GetStream();

        public PipeReader Input { get; private set; } = PipeReader.Create(client.GetStream());

        public PipeWriter Output { get; private set; } = PipeWriter.Create(client.GetStream());

        public bool IsSecure => _stream is SslStream;

        public SslProtocols SslProtocol => (_stream as SslStream)?.SslProtocol ?? SslProtocols.None;

        public async Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default)
        {
            var secure = new SslStream(_stream, leaveInnerStreamOpen: true);
            await secure.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions { ServerCertificate = certificate, EnabledSslProtocols = protocols }, cancellationToken);
            (_stream, Input, Output) = (secure, PipeReader.Create(secure), PipeWriter.Create(secure));
        }

        public void Dispose()
        {
            _stream.Dispose();
            client.Dispose();
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> mails were accepted, or fails at the deadline.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (AcceptedCount < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the SMTP sink accepted {AcceptedCount} of {count} mails within {timeout.TotalSeconds:0}s");
            }

            await Task.Delay(20);
        }

        return [.. _accepted];
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
