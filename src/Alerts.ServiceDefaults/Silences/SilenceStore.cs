using System.Text.Json;
using Alerts.Contracts.Silences;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Alerts.ServiceDefaults;

/// <summary>
/// Silences live in RabbitMQ, in a <see cref="StreamQueues"/> that every replica reads from its start. Each message is one
/// version of one silence; the newest version wins.
/// </summary>
public sealed class SilenceStore(IOptions<RabbitMqOptions> broker)
{
    /// <summary>The fanout exchange silences are published to, and the stream queue bound to it.</summary>
    public const string Name = "silences";

    const string SilenceType = "silence";

    // A reader publishes a marker and reads until it comes back: then it has read every silence written before it began.
    const string MarkerType = "marker";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task PublishAsync(Silence silence, CancellationToken cancellationToken)
    {
        await using var connection = await BrokerConnection.ConnectAsync(broker.Value, "silence", cancellationToken);
        await using var channel = await OpenAsync(connection, cancellationToken);
        await PublishAsync(channel, SilenceType, JsonSerializer.SerializeToUtf8Bytes(silence, Json), cancellationToken);
    }

    /// <summary>Every silence written before this call began, newest version of each.</summary>
    public async Task<IReadOnlyCollection<Silence>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await BrokerConnection.ConnectAsync(broker.Value, "silence", cancellationToken);
        await using var channel = await OpenAsync(connection, cancellationToken);
        var silences = new Dictionary<Guid, Silence>();
        var caughtUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await FollowAsync(channel, silence => silences[silence.Id] = silence, () => caughtUp.TrySetResult(), cancellationToken);
        await caughtUp.Task.WaitAsync(cancellationToken);
        return silences.Values;
    }

    /// <summary>
    /// Reads the stream from its start and goes on reading what is added: <paramref name="apply"/> gets each silence,
    /// <paramref name="caughtUp"/> is called once everything written before the call has been read.
    /// </summary>
    public static async Task FollowAsync(IChannel channel, Action<Silence> apply, Action caughtUp, CancellationToken cancellationToken)
    {
        var marker = Guid.NewGuid().ToString("N");
        var reader = new AsyncEventingBasicConsumer(channel);
        reader.ReceivedAsync += async (_, delivery) =>
        {
            if (delivery.BasicProperties.Type == SilenceType)
            {
                apply(JsonSerializer.Deserialize<Silence>(delivery.Body.Span, Json)
                    ?? throw new JsonException("a silence in the stream is null"));
            }
            else if (delivery.BasicProperties.MessageId == marker)
            {
                caughtUp();
            }

            // A stream keeps what is acknowledged; the acknowledgement only gives the reader credit for more.
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        await channel.BasicQosAsync(0, 256, global: false, cancellationToken);
        await channel.BasicConsumeAsync(Name, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
            new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, reader, cancellationToken);
        await PublishAsync(channel, MarkerType, [], cancellationToken, messageId: marker);
    }

    public static Task<IChannel> OpenAsync(IConnection connection, CancellationToken cancellationToken) =>
        StreamQueues.OpenAsync(connection, Name, cancellationToken);

    static ValueTask PublishAsync(IChannel channel, string type, byte[] body, CancellationToken cancellationToken, string? messageId = null) =>
        StreamQueues.PublishAsync(channel, Name, type, body, cancellationToken, messageId);
}
