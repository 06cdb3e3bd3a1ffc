using Alerts.Contracts;
using Alerts.Contracts.History;
using Alerts.Producer.History;
using Alerts.ServiceDefaults.Replay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Alerts.Producer.FrontDoor;

/// <summary>
/// What waits for an operator: <c>GET /api/parked</c> counts, per route, the alerts and notifications parked in its error
/// queues with the newest reasons from the history, and the alerts waiting in <c>unrouted</c>;
/// <c>POST /api/parked/{route}/replay</c> moves them back, as the consumer's <c>replay</c> command does, and says what it moved.
/// </summary>
public static class ParkedEndpoints
{
    const int Reasons = 3;

    public static void MapParked(this RouteGroupBuilder api)
    {
        var parked = api.MapGroup("/parked").AddEndpointFilter(RequestGuards.AnswerUnreachableBrokerAsync);
        parked.MapGet("", ListAsync);
        parked.MapPost("/{route}/replay", ReplayAsync);
    }

    static async Task<IResult> ListAsync(AlertBoard board, QueueReplay replay, TimeProvider time, IOptions<HistoryOptions> options, CancellationToken cancellationToken)
    {
        var routes = board.Routes().Select(route => (route.Name, Topology: TopologyOf(route))).ToList();
        var waiting = await replay.WaitingAsync(
            routes.SelectMany(route => new[] { route.Topology.ErrorQueue, route.Topology.DigestErrorQueue }).Append(AlertsTopology.UnroutedQueue), cancellationToken);
        var now = time.GetUtcNow();
        return Results.Json(new
        {
            routes = routes.Select(route => new
            {
                route = route.Name,
                alerts = waiting[route.Topology.ErrorQueue],
                notifications = waiting[route.Topology.DigestErrorQueue],
                reasons = board.History(entry => entry.Kind == AlertEventKinds.Parked && entry.Route == route.Name, now - options.Value.Retention, now, Reasons)
                    .Select(entry => new { at = entry.At, reason = entry.Reason, labels = entry.Labels, text = entry.Text }),
            }),
            unrouted = waiting[AlertsTopology.UnroutedQueue],
        });
    }

    static async Task<IResult> ReplayAsync(string route, AlertBoard board, QueueReplay replay, CancellationToken cancellationToken)
    {
        IReadOnlyList<QueueReplay.Move> moves;
        if (route == AlertsTopology.UnroutedQueue)
        {
            moves = [QueueReplay.Unrouted];
        }
        else if (board.Routes().FirstOrDefault(known => known.Name == route) is { } announced)
        {
            moves = QueueReplay.Parked(TopologyOf(announced));
        }
        else
        {
            return FrontDoorEndpoints.Error(StatusCodes.Status404NotFound, $"no route '{route}' has announced itself, nor is it '{AlertsTopology.UnroutedQueue}'");
        }

        var moved = new List<object>();
        foreach (var move in moves)
        {
            moved.Add(new { from = move.From, to = move.ToExchange, count = await replay.ReplayAsync(move, null, cancellationToken), description = move.Description });
        }

        return Results.Json(new { moved });
    }

    /// <summary>The route's queues as its consumers named them; only the names matter here, not how they are declared.</summary>
    static RouteTopology TopologyOf(RouteAnnouncement route) => new(route.Queue ?? route.Name, route.Bindings);
}
