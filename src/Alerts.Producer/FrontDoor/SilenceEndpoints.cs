using Alerts.Contracts.Silences;
using Alerts.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Alerts.Producer.FrontDoor;

/// <summary>
/// Alertmanager's silences API (<c>GET/POST /api/v2/silences</c>, <c>GET/DELETE /api/v2/silence/{id}</c>), so
/// <c>amtool silence add|query|expire</c> works; backed by the broker's silence stream that every consumer follows.
/// </summary>
public static class SilenceEndpoints
{
    public static void MapSilences(this RouteGroupBuilder api)
    {
        api.MapGet("/v2/silences", ListAsync);
        api.MapPost("/v2/silences", AddAsync);
        api.MapGet("/v2/silence/{id:guid}", GetAsync);
        api.MapDelete("/v2/silence/{id:guid}", ExpireAsync);
    }

    static Task<IResult> ListAsync(SilenceStore store, TimeProvider time, CancellationToken cancellationToken) => WithBrokerAsync(async () =>
    {
        var now = time.GetUtcNow();
        return Results.Json((await store.ReadAllAsync(cancellationToken)).OrderBy(silence => silence.EndsAt).Select(silence => Gettable(silence, now)));
    });

    static Task<IResult> GetAsync(Guid id, SilenceStore store, TimeProvider time, CancellationToken cancellationToken) => WithBrokerAsync(async () =>
        (await store.ReadAllAsync(cancellationToken)).FirstOrDefault(silence => silence.Id == id) is { } silence
            ? Results.Json(Gettable(silence, time.GetUtcNow()))
            : Results.Json(new { error = $"no silence {id}" }, statusCode: StatusCodes.Status404NotFound));

    static Task<IResult> AddAsync(PostableSilence posted, SilenceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (Invalid(posted, now) is { } problem)
        {
            return Task.FromResult(Results.Json(new { error = problem }, statusCode: StatusCodes.Status400BadRequest));
        }

        var silence = new Silence(posted.Id ?? Guid.NewGuid(), posted.Matchers!, posted.StartsAt!.Value < now ? now : posted.StartsAt.Value,
            posted.EndsAt!.Value, posted.CreatedBy!, posted.Comment!);
        return WithBrokerAsync(async () =>
        {
            await store.PublishAsync(silence, cancellationToken);
            return Results.Json(new { silenceID = silence.Id });
        });
    }

    static Task<IResult> ExpireAsync(Guid id, SilenceStore store, TimeProvider time, CancellationToken cancellationToken) => WithBrokerAsync(async () =>
    {
        var now = time.GetUtcNow();
        if ((await store.ReadAllAsync(cancellationToken)).FirstOrDefault(silence => silence.Id == id) is not { } silence)
        {
            return Results.Json(new { error = $"no silence {id}" }, statusCode: StatusCodes.Status404NotFound);
        }

        if (silence.EndsAt > now)
        {
            await store.PublishAsync(silence with { StartsAt = silence.StartsAt > now ? now : silence.StartsAt, EndsAt = now }, cancellationToken);
        }

        return Results.Ok();
    });

    static string? Invalid(PostableSilence posted, DateTimeOffset now)
    {
        if (posted.Matchers is not { Count: > 0 } matchers)
        {
            return "a silence needs at least one matcher";
        }

        foreach (var matcher in matchers)
        {
            if (string.IsNullOrWhiteSpace(matcher.Name))
            {
                return "a matcher has no name";
            }

            if (matcher.IsRegex && !Matcher.IsValidRegex(matcher.Value, out var error))
            {
                return error;
            }
        }

        if (posted.StartsAt is null || posted.EndsAt is null || posted.EndsAt <= posted.StartsAt || posted.EndsAt <= now)
        {
            return "a silence needs startsAt before endsAt, and endsAt in the future";
        }

        return string.IsNullOrWhiteSpace(posted.CreatedBy) || string.IsNullOrWhiteSpace(posted.Comment)
            ? "a silence needs createdBy and comment"
            : null;
    }

    static object Gettable(Silence silence, DateTimeOffset now) => new
    {
        id = silence.Id,
        status = new { state = now < silence.StartsAt ? "pending" : now < silence.EndsAt ? "active" : "expired" },
        updatedAt = silence.StartsAt,
        matchers = silence.Matchers,
        startsAt = silence.StartsAt,
        endsAt = silence.EndsAt,
        createdBy = silence.CreatedBy,
        comment = silence.Comment,
    };

    static async Task<IResult> WithBrokerAsync(Func<Task<IResult>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception failure) when (BrokerConnection.IsConnectionFailure(failure))
        {
            return Results.Json(new { error = $"the broker keeps the silences and cannot be reached: {failure.GetBaseException().Message}" },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>A silence as Alertmanager's API takes it; an id updates that silence.</summary>
    public sealed record PostableSilence(
        Guid? Id, List<Matcher>? Matchers, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? CreatedBy, string? Comment);
}
