using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alerts.Contracts;

/// <summary>
/// Reads an alert from the wire object or from the book's bare JSON string, and writes the wire object.
/// Sitting on the type, it applies to every serializer MassTransit uses (raw JSON and its envelope) alike.
/// </summary>
public sealed class AlertJsonConverter : JsonConverter<Alert>
{
    public override Alert Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.String => new Alert { Text = reader.GetString() },
            JsonTokenType.StartObject => FromFields(JsonSerializer.Deserialize(ref reader, AlertJsonContext.Default.AlertFields)!),
            _ => throw new JsonException($"an alert is a JSON object or a JSON string, not {reader.TokenType}"),
        };

    public override void Write(Utf8JsonWriter writer, Alert value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, ToFields(value), AlertJsonContext.Default.AlertFields);

    static Alert FromFields(AlertFields fields) => new()
    {
        Id = fields.Id,
        Severity = fields.Severity is null ? null
            : RoutingKey.TryParseSeverity(fields.Severity, out var severity) ? severity
            : throw new JsonException($"severity '{fields.Severity}' is not info, warning or critical"),
        Type = fields.Type,
        Text = fields.Text,
        Source = fields.Source,
        OccurredAt = fields.OccurredAt,
        Labels = fields.Labels,
        Annotations = fields.Annotations,
        Resolved = fields.Resolved,
        EndsAt = fields.EndsAt,
        GeneratorUrl = fields.GeneratorUrl,
    };

    static AlertFields ToFields(Alert alert) => new(
        alert.Id,
        alert.Severity is { } severity ? RoutingKey.FormatSeverity(severity) : null,
        alert.Type,
        alert.Text,
        alert.Source,
        alert.OccurredAt,
        alert.Labels,
        alert.Annotations,
        alert.Resolved,
        alert.EndsAt,
        alert.GeneratorUrl);
}

/// <summary>The wire object, field for field.</summary>
sealed record AlertFields(
    Guid? Id, string? Severity, string? Type, string? Text, string? Source, DateTimeOffset? OccurredAt,
    IReadOnlyDictionary<string, string>? Labels, IReadOnlyDictionary<string, string>? Annotations, bool? Resolved,
    DateTimeOffset? EndsAt, string? GeneratorUrl);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AlertFields))]
sealed partial class AlertJsonContext : JsonSerializerContext;
