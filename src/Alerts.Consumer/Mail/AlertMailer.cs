using System.Collections.Concurrent;
using Alerts.Consumer.Settings;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Alerts.Consumer.Mail;

/// <summary>
/// Sends mail over a small pool of reused SMTP connections: opening one per alert costs a TCP and
/// TLS handshake and a login each time. The pool grows to the number of sends in progress at once.
/// A connection that failed is thrown away; one idle too long is reopened before use.
/// </summary>
public sealed class AlertMailer(IOptions<SmtpOptions> options, TimeProvider time) : IAsyncDisposable
{
    readonly SmtpOptions _smtp = options.Value;
    readonly ConcurrentBag<PooledClient> _idle = [];

    public MailboxAddress From { get; } = MailboxAddress.Parse(options.Value.From);

    /// <summary>Completes once the server has accepted the message; throws if it did not.</summary>
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var client = await RentAsync(cancellationToken);
        try
        {
            await client.Smtp.SendAsync(message, cancellationToken);
        }
        catch
        {
            client.Smtp.Dispose();
            throw;
        }

        _idle.Add(client with { IdleSince = time.GetTimestamp() });
    }

    async Task<PooledClient> RentAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryTake(out var pooled))
        {
            if (pooled.Smtp.IsConnected && time.GetElapsedTime(pooled.IdleSince) < _smtp.IdleTimeout)
            {
                return pooled;
            }

            await CloseAsync(pooled.Smtp);
        }

        var smtp = new SmtpClient { CheckCertificateRevocation = _smtp.CheckCertificateRevocation };
        try
        {
            await smtp.ConnectAsync(_smtp.Host, _smtp.Port, _smtp.Security, cancellationToken);
            if (!string.IsNullOrEmpty(_smtp.Username))
            {
                await smtp.AuthenticateAsync(_smtp.Username, _smtp.Password ?? "", cancellationToken);
            }
        }
        catch
        {
            smtp.Dispose();
            throw;
        }

        return new PooledClient(smtp, time.GetTimestamp());
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var pooled))
        {
            await CloseAsync(pooled.Smtp);
        }
    }

    static async Task CloseAsync(SmtpClient smtp)
    {
        try
        {
            if (smtp.IsConnected)
            {
                using var quitting = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await smtp.DisconnectAsync(quit: true, quitting.Token);
            }
        }
        catch (Exception)
        {
            // The connection is going away either way; a failed QUIT loses nothing.
        }
        finally
        {
            smtp.Dispose();
        }
    }

    sealed record PooledClient(SmtpClient Smtp, long IdleSince);
}
