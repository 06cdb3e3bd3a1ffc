using System.Text.Json.Serialization;

namespace Alerts.Contracts;

/// <summary>
/// An alert as it travels on the wire: a plain JSON object
/// <c>{"id","severity","type","text","source","occurredAt","labels","annotations","resolved","endsAt","generatorUrl"}</c>, or the book's bare JSON string holding only the text.
/// Every field is optional here because any AMQP client in any language may publish;
/// the consumer decides what is complete enough to mail, and the routing key decides where it goes.
/// </summary>
[JsonConverter(typeof(AlertJsonConverter))]
public sealed record Alert
{
    public Guid? Id { get; init; }

    public Severity? Severity { get; init; }

    public string? Type { get; init; }

    public string? Text { get; init; }

    /// <summary>What noticed the trouble: an application, a host, a job.</summary>
    public string? Source { get; init; }

    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>Further name-value pairs (<c>team</c>, <c>instance</c>, …) that silences can match and routes can group by.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Further descriptions (<c>summary</c>, <c>runbook_url</c>, …), as Prometheus gives them; carried into the mail.</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>True for the news that a problem ended (Prometheus's resolved alert): mailed with RESOLVED in the subject.</summary>
    public bool? Resolved { get; init; }

    /// <summary>When the problem ended (a resolution) or is expected to end, as Prometheus says it.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>Where the alert was generated (Prometheus's graph of its rule): passed on to webhook receivers.</summary>
    public string? GeneratorUrl { get; init; }

    /// <summary>The routing key this alert's own fields describe, when they describe a valid one.</summary>
    [JsonIgnore]
    public RoutingKey? RoutingKey =>
        Severity is { } severity && Contracts.RoutingKey.IsValidType(Type) ? Contracts.RoutingKey.Create(severity, Type) : null;

    public static Alert Create(RoutingKey routingKey, string text, string? source, DateTimeOffset occurredAt) => new()
    {
        Id = Guid.NewGuid(),
        Severity = routingKey.Severity,
        Type = routingKey.Type,
        Text = text,
        Source = source,
        OccurredAt = occurredAt,
    };
}
