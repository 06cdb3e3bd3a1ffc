using System.CommandLine;
using Alerts.ServiceDefaults.Replay;
using Alerts.Consumer.Settings;
using Alerts.Contracts;
using Alerts.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Commands;

/// <summary>
/// <c>replay ROUTE [--count N]</c> moves what a route parked (alerts, and digests that could not be sent) back to where it is
/// consumed, once the cause is fixed; <c>replay unrouted</c> publishes the alerts that waited for a route to the alerts exchange again.
/// </summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var route = new Argument<string>("route")
        {
            Description = $"The route whose parked alerts and digests to replay, as named under Alerts:Routes, or '{AlertsTopology.UnroutedQueue}'",
        };
        var count = new Option<int?>("--count") { Description = "Replay at most this many from each queue (default: all waiting when the replay begins)" };
        var replay = new Command("replay", "Moves what a route parked back to where it is consumed, or unrouted alerts back to the routes.")
        {
            route, count,
        };
        replay.SetAction((parseResult, cancellationToken) =>
            ReplayAsync(parseResult.GetRequiredValue(route), parseResult.GetValue(count), cancellationToken));
        return replay;
    }

    static Task<int> ReplayAsync(string routeName, int? count, CancellationToken cancellationToken)
    {
        if (count is < 1)
        {
            return Task.FromResult(ServiceCommandLine.Fail("--count must be at least 1"));
        }

        IReadOnlyList<QueueReplay.Move> moves = [];
        return ServiceCommandLine.RunAgainstBrokerAsync(
            services => services.AddAlertsReplay(),
            async services =>
            {
                var alerts = services.GetRequiredService<IOptions<AlertsOptions>>().Value;
                if (routeName == AlertsTopology.UnroutedQueue)
                {
                    moves = [QueueReplay.Unrouted];
                }
                else if (alerts.Routes.ContainsKey(routeName))
                {
                    moves = QueueReplay.Parked(alerts.RouteNamed(routeName).Topology);
                }
                else
                {
                    return ServiceCommandLine.Fail($"no route '{routeName}' in Alerts:Routes ({string.Join(", ", alerts.Routes.Keys)}), nor '{AlertsTopology.UnroutedQueue}'");
                }

                var replay = services.GetRequiredService<QueueReplay>();
                foreach (var move in moves)
                {
                    Console.WriteLine($"moved {await replay.ReplayAsync(move, count, cancellationToken)} {move.Description}");
                }

                return 0;
            },
            broker => $"replay stopped: {broker}; what was not moved is still in {string.Join(" and ", moves.Select(move => move.From))}",
            cancellationToken);
    }
}
