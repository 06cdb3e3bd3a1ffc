using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Alerts.Benchmarks;

/// <summary>MailKit alone, sending one mail after another: over one reused connection, or a new one each time.</summary>
public static class Mailer
{
    public static async Task<double> RateAsync(int smtpPort, int count, bool reuse)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var smtp = new SmtpClient();
        for (var i = 0; i < count; i++)
        {
            if (!smtp.IsConnected)
            {
                await smtp.ConnectAsync("127.0.0.1", smtpPort, SecureSocketOptions.None);
            }

            await smtp.SendAsync(Mail(i));
            if (!reuse)
            {
                await smtp.DisconnectAsync(quit: true);
            }
        }

        await smtp.DisconnectAsync(quit: true);
        smtp.Dispose();
        return count / watch.Elapsed.TotalSeconds;
    }

    static MimeMessage Mail(int index)
    {
        var message = new MimeMessage { Subject = "CRITICAL ALERT" };
        message.From.Add(MailboxAddress.Parse("alerts@example.com"));
        message.To.Add(MailboxAddress.Parse("ops@example.com"));
        message.Headers.Add("X-Alert-Id", Guid.NewGuid().ToString());
        message.Body = new TextPart("plain") { Text = $"Benchmark alert {index}: upstream latency above threshold on api-gateway" };
        return message;
    }
}
