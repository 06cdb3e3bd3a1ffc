using System.Diagnostics;
using System.Text.Json;
using Alerts.Consumer.History;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Silences;
using Alerts.Consumer.Telemetry;
using Alerts.Contracts;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Admission;

/// <summary>
/// The one way into a route, whichever reader took the alert off the route's queue (MassTransit alert by alert, or the
/// grouping intake in batches): reads the body, checks the alert, drops a resolution the route does not send and what a
/// silence mutes, counts it, records it in the history, and traces it in a span of its own under the publisher's.
/// </summary>
public sealed class AlertAdmission(IOptions<AlertsOptions> options, SilenceBook silences, HistoryRecorder history, AlertMetrics metrics)
{
    readonly int _maxTextLength = options.Value.MaxTextLength;

    /// <summary>Completes once the silences that existed at start are read: no alert is admitted before, so none escapes one.</summary>
    public Task Ready => silences.Loaded;

    /// <summary>Plain JSON (or the book's bare string), or MassTransit's envelope from a .NET publisher configured for it.</summary>
    /// <exception cref="JsonException">The body is not JSON, or not an alert.</exception>
    /// <exception cref="InvalidAlertException">The content type is not JSON, or the body holds no alert.</exception>
    public static Alert Decode(string? contentType, ReadOnlyMemory<byte> body) => contentType switch
    {
        null or "" or "application/json" or "text/plain" => JsonSerializer.Deserialize<Alert>(body.Span)
            ?? throw new InvalidAlertException("the body is JSON null, not an alert"),
        "application/vnd.masstransit+json" => Envelope(body),
        var other => throw new InvalidAlertException($"content type '{other}' is not application/json"),
    };

    /// <param name="routingKey">The key the alert was published with: what the alert is, whatever its body says.</param>
    /// <param name="publisher">The publisher's span, when the alert says it and no span of its reader is current.</param>
    /// <returns>The alert to notify, or null when the route drops it: a resolution it does not send, or a silenced alert.</returns>
    /// <exception cref="InvalidAlertException">The alert can never be notified as it is.</exception>
    public AdmittedAlert? Admit(Route route, Alert alert, string? routingKey, Guid? messageId, int retryAttempt = 0, ActivityContext publisher = default)
    {
        using var span = AlertTracing.StartAdmission(route, publisher);
        metrics.Delivered(route.Name, retryAttempt, alert.OccurredAt);
        AdmittedAlert admitted;
        try
        {
            admitted = AdmittedAlert.From(alert, routingKey, messageId, _maxTextLength, route.Options.Grouping.By);
        }
        catch (InvalidAlertException invalid)
        {
            AlertTracing.Refused(span, invalid);
            throw;
        }

        var mutedBy = admitted.Resolved ? null : silences.Muting(admitted, route.Name);
        history.Admitted(route, admitted, mutedBy?.Id);
        var outcome = admitted.Resolved && !route.Options.SendResolved ? "resolution not sent"
            : mutedBy is not null ? "silenced"
            : "admitted";
        AlertTracing.Admitted(span, admitted, outcome);
        return outcome == "admitted" ? admitted : null;
    }

    static Alert Envelope(ReadOnlyMemory<byte> body)
    {
        using var envelope = JsonDocument.Parse(body);
        return envelope.RootElement.TryGetProperty("message", out var message) && message.Deserialize<Alert>() is { } alert
            ? alert
            : throw new InvalidAlertException("the MassTransit envelope holds no alert");
    }
}
