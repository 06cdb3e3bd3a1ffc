using System.CommandLine;
using Alerts.Consumer.Replay;
using Alerts.Consumer.Settings;
using Alerts.Contracts;
using Alerts.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Commands;

/// <summary>
/// <c>replay ROUTE [--count N]</c> moves parked alerts from a route's error queue back to its queue, once the cause is
/// fixed; <c>replay unrouted</c> publishes the alerts that waited for a route to the alerts exchange again.
/// </summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var route = new Argument<string>("route")
        {
            Description = $"The route whose error queue to replay, as named under Alerts:Routes, or '{AlertsTopology.UnroutedQueue}'",
        };
        var count = new Option<int?>("--count") { Description = "Replay at most this many alerts (default: all waiting when the replay begins)" };
        var replay = new Command("replay", "Moves parked alerts from a route's error queue back to its queue, or unrouted alerts back to the routes.")
        {
            route, count,
        };
        replay.SetAction((parseResult, cancellationToken) =>
            ReplayAsync(parseResult.GetRequiredValue(route), parseResult.GetValue(count), cancellationToken));
        return replay;
    }

    static async Task<int> ReplayAsync(string routeName, int? count, CancellationToken cancellationToken)
    {
        using var host = ServiceCommandLine.BuildCommandHost(services => services.AddAlertsReplay());
        if (InvalidSettings.Check(host.Services) is { } invalid)
        {
            return ServiceCommandLine.Fail(invalid);
        }

        if (count is < 1)
        {
            return ServiceCommandLine.Fail("--count must be at least 1");
        }

        var replay = host.Services.GetRequiredService<QueueReplay>();
        QueueReplay.Move move;
        if (routeName == AlertsTopology.UnroutedQueue)
        {
            move = QueueReplay.Unrouted;
        }
        else
        {
            var routes = host.Services.GetRequiredService<IOptions<AlertsOptions>>().Value.Routes;
            if (!routes.TryGetValue(routeName, out var replayed))
            {
                return ServiceCommandLine.Fail($"no route '{routeName}' in Alerts:Routes ({string.Join(", ", routes.Keys)}), nor '{AlertsTopology.UnroutedQueue}'");
            }

            move = QueueReplay.Parked(replayed.Queue);
        }

        try
        {
            var moved = await replay.ReplayAsync(move, count, cancellationToken);
            Console.WriteLine($"moved {moved} {move.Description}");
            return 0;
        }
        catch (Exception failure) when (BrokerConnection.IsConnectionFailure(failure))
        {
            var broker = host.Services.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
            return ServiceCommandLine.Fail(
                $"replay stopped: {BrokerConnection.Describe(failure, broker)}; what was not moved is still in {move.From}", ServiceCommandLine.Failed);
        }
    }
}
