using System.Text.Json;
using Alerts.Contracts;
using Alerts.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Alerts.Producer.FrontDoor;

/// <summary>
/// The HTTP front door to the broker: Alertmanager's <c>POST /api/v2/alerts</c>, as Prometheus sends it, and
/// <c>POST /api/alerts</c> for the simplest client. A request is answered 200 only once the broker confirmed every alert
/// in it; 400 with a JSON error that names the problem, and nothing published, for bad input; 503 while the broker
/// does not confirm, so the sender tries again.
/// </summary>
public static partial class FrontDoorEndpoints
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void MapFrontDoor(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").AddEndpointFilter(RequestGuards.RefuseCrossSiteAsync).AddEndpointFilter(RequestGuards.AuthenticateAsync);
        api.MapPost("/v2/alerts", PostPrometheusAlertsAsync);
        api.MapPost("/alerts", PostAlertsAsync);
        api.MapSilences();
        api.MapAlertQueries();
        api.MapParked();
        app.MapOnCallPage();
    }

    static async Task<IResult> PostPrometheusAlertsAsync(HttpRequest request, AlertPublisher publisher, IOptions<FrontDoorOptions> options, TimeProvider time)
    {
        var (alerts, problem) = await ReadAsync<List<PrometheusAlert>>(request, "an array of alerts ({labels, annotations, startsAt, endsAt, generatorURL})");
        if (problem is not null)
        {
            return problem;
        }

        var now = time.GetUtcNow();
        var published = new List<Alert>(alerts!.Count);
        for (var index = 0; index < alerts.Count; index++)
        {
            try
            {
                published.Add(PrometheusAlerts.ToAlert(alerts[index], options.Value.DefaultSeverity, now));
            }
            catch (FormatException invalid)
            {
                return Error(StatusCodes.Status400BadRequest, $"alert {index}: {invalid.Message}");
            }
        }

        return await PublishAsync(publisher, published, options.Value, request.HttpContext.RequestAborted) ?? Results.Ok();
    }

    static async Task<IResult> PostAlertsAsync(HttpRequest request, AlertPublisher publisher, IOptions<FrontDoorOptions> options, TimeProvider time)
    {
        var (body, problem) = await ReadAsync<JsonElement>(request, """{"routingKey": "critical.db_down", "text": "…"} or an array of them""");
        if (problem is not null)
        {
            return problem;
        }

        var items = body.ValueKind == JsonValueKind.Array ? body.EnumerateArray().ToList() : [body];
        var published = new List<Alert>(items.Count);
        for (var index = 0; index < items.Count; index++)
        {
            var simple = items[index].ValueKind == JsonValueKind.Object ? items[index].Deserialize<SimpleAlert>(Json) : null;
            if (simple is null)
            {
                return Error(StatusCodes.Status400BadRequest, $"alert {index} is not an object with routingKey and text");
            }

            if (!RoutingKey.TryParse(simple.RoutingKey, out var routingKey, out var error))
            {
                return Error(StatusCodes.Status400BadRequest, $"alert {index}: {error}");
            }

            if (string.IsNullOrWhiteSpace(simple.Text))
            {
                return Error(StatusCodes.Status400BadRequest, $"alert {index} has no text");
            }

            published.Add(Alert.Create(routingKey, simple.Text, simple.Source, time.GetUtcNow()) with { Id = simple.Id ?? Guid.NewGuid() });
        }

        if (published.Count > options.Value.MaxAlertsPerRequest)
        {
            return TooMany(published.Count, options.Value);
        }

        return await PublishAsync(publisher, published, options.Value, request.HttpContext.RequestAborted)
            ?? Results.Ok(new { published = published.Count, ids = published.Select(alert => alert.Id) });
    }

    /// <returns>null once the broker confirmed every alert; otherwise the 503 to answer.</returns>
    static async Task<IResult?> PublishAsync(AlertPublisher publisher, List<Alert> alerts, FrontDoorOptions options, CancellationToken requestAborted)
    {
        if (alerts.Count > options.MaxAlertsPerRequest)
        {
            return TooMany(alerts.Count, options);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        deadline.CancelAfter(options.PublishTimeout);
        try
        {
            await publisher.PublishManyAsync(alerts, cancellationToken: deadline.Token);
            return null;
        }
        catch (Exception failure) when (!requestAborted.IsCancellationRequested
            && (failure is OperationCanceledException or MassTransitException || BrokerConnection.IsConnectionFailure(failure)))
        {
            return Results.Json(new { error = $"the broker did not confirm the alerts within {options.PublishTimeout.TotalSeconds:0} s; try again" },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>The body as <typeparamref name="T"/>, or the 4xx to answer: 400 for what is not JSON of that shape, 413 for too large.</summary>
    static async Task<(T? Body, IResult? Problem)> ReadAsync<T>(HttpRequest request, string expected)
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(request.Body, Json, request.HttpContext.RequestAborted);
            return body is null ? (default, Error(StatusCodes.Status400BadRequest, $"the body is null; expected {expected}")) : (body, null);
        }
        catch (JsonException invalid)
        {
            return (default, Error(StatusCodes.Status400BadRequest, $"the body is not {expected}: {invalid.Message}"));
        }
        catch (BadHttpRequestException refused)
        {
            return (default, Error(refused.StatusCode, refused.Message));
        }
    }

    static IResult TooMany(int count, FrontDoorOptions options) => Error(StatusCodes.Status413PayloadTooLarge,
        $"{count} alerts in one request; at most {options.MaxAlertsPerRequest} (FrontDoor:MaxAlertsPerRequest)");

    internal static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    sealed record SimpleAlert(string? RoutingKey, string? Text, string? Source, Guid? Id);
}
