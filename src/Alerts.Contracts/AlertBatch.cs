using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alerts.Contracts;

/// <summary>
/// Several alerts that share one routing key, travelling as one AMQP message whose body is a JSON array of alert objects.
/// The broker's cost is per message, so a request of many alerts is confirmed in one write instead of one each; every
/// consumer we ship reads both bodies, and a body of one alert stays the wire agreement for any other publisher.
/// </summary>
[JsonConverter(typeof(AlertBatchJsonConverter))]
public sealed record AlertBatch(RoutingKey RoutingKey, IReadOnlyList<Alert> Alerts)
{
    /// <summary>At most this many alerts travel in one message, so that a consumer re-sending them alone holds few at once.</summary>
    public const int MaxAlerts = 100;

    /// <summary>A batch is closed once its texts and annotations could take this many bytes: far below the broker's message limit.</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>The alerts as the messages they travel in: batches of up to <see cref="MaxAlerts"/> per routing key, a lone alert as itself.</summary>
    public static IEnumerable<object> Messages(IEnumerable<Alert> alerts) =>
        alerts.GroupBy(alert => alert.RoutingKey ?? throw new ArgumentException("an alert is published only with a valid severity and type"))
            .SelectMany(sameKey => Chunks(sameKey), (sameKey, chunk) => chunk.Count == 1 ? (object)chunk[0] : new AlertBatch(sameKey.Key, chunk));

    static IEnumerable<List<Alert>> Chunks(IEnumerable<Alert> alerts)
    {
        var chunk = new List<Alert>();
        var bytes = 0L;
        foreach (var alert in alerts)
        {
            var size = WorstCaseBytes(alert);
            if (chunk.Count == MaxAlerts || (chunk.Count > 0 && bytes + size > MaxBytes))
            {
                yield return chunk;
                (chunk, bytes) = ([], 0);
            }

            chunk.Add(alert);
            bytes += size;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    // Three UTF-8 bytes a character at most, and room for the fixed fields.
    static long WorstCaseBytes(Alert alert) => 512 + 3L * ((alert.Text?.Length ?? 0) + (alert.Source?.Length ?? 0)
        + (alert.Labels?.Sum(label => label.Key.Length + label.Value.Length) ?? 0)
        + (alert.Annotations?.Sum(annotation => annotation.Key.Length + annotation.Value.Length) ?? 0));

    /// <summary>True when a body holds a batch (a JSON array) rather than one alert.</summary>
    public static bool IsBatch(ReadOnlySpan<byte> body)
    {
        var start = body.IndexOfAnyExcept(" \t\r\n"u8);
        return start >= 0 && body[start] == (byte)'[';
    }

    /// <summary>Reads a batch's alerts, each as the message it would be alone, with the key the batch was published with.</summary>
    /// <exception cref="JsonException">The body is not a JSON array of alert objects (the book's bare strings travel alone).</exception>
    public static IReadOnlyList<Alert> Read(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("an alert batch is a JSON array of alert objects");
        }

        var alerts = new List<Alert>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            alerts.Add(reader.TokenType == JsonTokenType.StartObject
                ? JsonSerializer.Deserialize(ref reader, AlertBatchJsonContext.Default.Alert)!
                : throw new JsonException($"an alert batch holds alert objects, not {reader.TokenType}"));
        }

        return reader.TokenType == JsonTokenType.EndArray && !reader.Read()
            ? alerts
            : throw new JsonException("an alert batch is one JSON array of alert objects");
    }
}

/// <summary>Writes a batch as the bare JSON array of its alerts: the routing key travels as the message's.</summary>
public sealed class AlertBatchJsonConverter : JsonConverter<AlertBatch>
{
    public override AlertBatch Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("a batch is read with AlertBatch.Read, which takes its routing key from the message");

    public override void Write(Utf8JsonWriter writer, AlertBatch value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.Alerts.ToArray(), AlertBatchJsonContext.Default.AlertArray);
}

[JsonSerializable(typeof(Alert))]
[JsonSerializable(typeof(Alert[]))]
sealed partial class AlertBatchJsonContext : JsonSerializerContext;
