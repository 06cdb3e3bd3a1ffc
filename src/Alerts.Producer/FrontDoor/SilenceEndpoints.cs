using Alerts.Contracts.Silences;
using Alerts.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Alerts.Producer.FrontDoor;

/// <summary>
/// Alertmanager's silences API (<c>GET/POST /api/v2/silences</c>, <c>GET/DELETE /api/v2/silence/{id}</c>), so
/// <c>amtool silence add|query|expire</c> works; the rules are <see cref="SilenceService"/>'s, as for the command line.
/// The list, which pages and dashboards ask for every few seconds, is answered from this front door's copy of the
/// silences stream (what it wrote itself at once, another writer's within milliseconds); one silence by id, from the stream.
/// </summary>
public static class SilenceEndpoints
{
    public static void MapSilences(this RouteGroupBuilder api)
    {
        var silences = api.MapGroup("/v2").AddEndpointFilter(RequestGuards.AnswerUnreachableBrokerAsync);
        silences.MapGet("/silences", ListAsync);
        silences.MapPost("/silences", AddAsync);
        silences.MapGet("/silence/{id:guid}", GetAsync);
        silences.MapDelete("/silence/{id:guid}", ExpireAsync);
    }

    static async Task<IResult> ListAsync(SilenceCopy copy, SilenceService silences, CancellationToken cancellationToken)
    {
        try
        {
            await copy.Loaded.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (TimeoutException)
        {
            return Results.Json(new { error = "the front door is still reading the silences from the broker; try again" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var now = silences.Now;
        return Results.Json(copy.All.OrderBy(silence => silence.EndsAt).Select(silence => Gettable(silence, now)));
    }

    static async Task<IResult> GetAsync(Guid id, SilenceService silences, CancellationToken cancellationToken) =>
        await silences.FindAsync(id, cancellationToken) is { } silence ? Results.Json(Gettable(silence, silences.Now)) : NotFound(id);

    static async Task<IResult> AddAsync(PostableSilence posted, SilenceService silences, SilenceCopy copy, CancellationToken cancellationToken)
    {
        try
        {
            var silence = await silences.CreateAsync(posted.Id, posted.Matchers, posted.StartsAt, posted.EndsAt, posted.CreatedBy, posted.Comment, cancellationToken);
            copy.Apply(silence);
            return Results.Json(new { silenceID = silence.Id });
        }
        catch (InvalidSilenceException invalid)
        {
            return Results.Json(new { error = invalid.Message }, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    static async Task<IResult> ExpireAsync(Guid id, SilenceService silences, SilenceCopy copy, CancellationToken cancellationToken)
    {
        if (await silences.ExpireAsync(id, cancellationToken) is not var (expired, _))
        {
            return NotFound(id);
        }

        copy.Apply(expired);
        return Results.Ok();
    }

    static IResult NotFound(Guid id) => Results.Json(new { error = $"no silence {id}" }, statusCode: StatusCodes.Status404NotFound);

    static GettableSilence Gettable(Silence silence, DateTimeOffset now) => new(
        silence.Id, new(silence.StateAt(now).ToString().ToLowerInvariant()), silence.StartsAt, silence.Matchers, silence.StartsAt, silence.EndsAt,
        silence.CreatedBy, silence.Comment);

    /// <summary>A silence as Alertmanager's API answers it (<c>gettableSilence</c>).</summary>
    public sealed record GettableSilence(
        Guid Id, SilenceStatus Status, DateTimeOffset UpdatedAt, IReadOnlyList<Matcher> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
        string CreatedBy, string Comment);

    /// <param name="State">pending, active or expired.</param>
    public sealed record SilenceStatus(string State);

    /// <summary>A silence as Alertmanager's API takes it; an id updates that silence.</summary>
    public sealed record PostableSilence(
        Guid? Id, List<Matcher>? Matchers, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? CreatedBy, string? Comment);
}
