using System.Text.Json;
using System.Threading.Channels;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Alerts.Benchmarks;

/// <summary>
/// The baseline consumer: RabbitMQ.Client and MailKit alone, acknowledging after the mail is accepted,
/// with <c>connections</c> reused SMTP connections used in parallel. What the pipeline is held against.
/// </summary>
public static class PlainConsumer
{
    /// <summary>Acknowledges <paramref name="count"/> alerts as they come, mailing nothing: the ceiling of any intake.</summary>
    public static async Task AcknowledgeAsync(BenchBroker broker, int count, ushort prefetch, CancellationToken cancellationToken)
    {
        await using var channel = await broker.ChannelAsync();
        await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken);
        var done = new TaskCompletionSource();
        var handled = 0;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, cancellationToken);
            if (Interlocked.Increment(ref handled) == count)
            {
                done.TrySetResult();
            }
        };

        var tag = await channel.BasicConsumeAsync(BenchBroker.RouteQueue, autoAck: false, consumer, cancellationToken);
        await done.Task.WaitAsync(cancellationToken);
        await channel.BasicCancelAsync(tag, cancellationToken: cancellationToken);
    }

    public static async Task DrainAsync(BenchBroker broker, int smtpPort, int count, int connections, ushort prefetch, CancellationToken cancellationToken)
    {
        var pool = Channel.CreateUnbounded<SmtpClient>();
        for (var i = 0; i < connections; i++)
        {
            var smtp = new SmtpClient();
            await smtp.ConnectAsync("127.0.0.1", smtpPort, SecureSocketOptions.None, cancellationToken);
            pool.Writer.TryWrite(smtp);
        }

        await using var channel = await broker.ChannelAsync(dispatchConcurrency: (ushort)connections);
        await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken);
        var done = new TaskCompletionSource();
        var handled = 0;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            using var json = JsonDocument.Parse(delivery.Body);
            var message = new MimeMessage { Subject = "CRITICAL ALERT" };
            message.From.Add(MailboxAddress.Parse("alerts@example.com"));
            message.To.Add(MailboxAddress.Parse("ops@example.com"));
            message.Headers.Add("X-Alert-Id", json.RootElement.GetProperty("id").GetString()!);
            message.Body = new TextPart("plain") { Text = json.RootElement.GetProperty("text").GetString() ?? "" };

            var smtp = await pool.Reader.ReadAsync(cancellationToken);
            await smtp.SendAsync(message, cancellationToken);
            pool.Writer.TryWrite(smtp);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, cancellationToken);
            if (Interlocked.Increment(ref handled) == count)
            {
                done.TrySetResult();
            }
        };

        var tag = await channel.BasicConsumeAsync(BenchBroker.RouteQueue, autoAck: false, consumer, cancellationToken);
        await done.Task.WaitAsync(cancellationToken);
        await channel.BasicCancelAsync(tag, cancellationToken: cancellationToken);
        while (pool.Reader.TryRead(out var smtp))
        {
            await smtp.DisconnectAsync(quit: true, cancellationToken);
            smtp.Dispose();
        }
    }
}
