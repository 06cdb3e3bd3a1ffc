using System.CommandLine;
using System.Text.Json;
using Alerts.Contracts;
using Alerts.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Producer.Commands;

/// <summary>
/// <c>-r SEVERITY.TYPE -m TEXT</c>: publishes one alert and waits for the broker's confirmation. The line it prints
/// says when no route took the alert (it is kept in the unrouted queue all the same).
/// </summary>
public static class PublishCommand
{
    public static RootCommand Create()
    {
        var routingKey = new Option<string>("--routing-key", "-r")
        {
            Description = "SEVERITY.TYPE, for example critical.rate_limit (severity: info, warning, critical)",
            Required = true,
        };
        var message = new Option<string>("--message", "-m") { Description = "The alert text", Required = true };
        var source = new Option<string?>("--source") { Description = "What noticed the trouble (default: this program's name)" };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the broker's confirmation before giving up",
            DefaultValueFactory = _ => 10,
        };

        var root = new RootCommand("Publishes an alert to the 'alerts' topic exchange and waits for the broker's confirmation.")
        {
            routingKey, message, source, timeout,
        };
        root.SetAction((parseResult, cancellationToken) => PublishAsync(
            parseResult.GetRequiredValue(routingKey),
            parseResult.GetRequiredValue(message),
            parseResult.GetValue(source),
            TimeSpan.FromSeconds(parseResult.GetValue(timeout)),
            cancellationToken));
        return root;
    }

    static async Task<int> PublishAsync(string routingKeyText, string text, string? source, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!RoutingKey.TryParse(routingKeyText, out var routingKey, out var error))
        {
            return ServiceCommandLine.Fail(error);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return ServiceCommandLine.Fail("the message (-m) is empty");
        }

        return await BrokerSession.RunAsync(timeout, "not published", async (services, cancellation) =>
        {
            await using var scope = services.CreateAsyncScope();
            var publisher = scope.ServiceProvider.GetRequiredService<AlertPublisher>();
            var (alert, routed) = await publisher.PublishAndCheckRouteAsync(routingKey, text, source, cancellation);
            var sent = $"sent {routingKey} {JsonSerializer.Serialize(alert)}";
            return routed ? sent : $"{sent} (no route takes {routingKey}: it waits in the '{AlertsTopology.UnroutedQueue}' queue)";
        }, cancellationToken);
    }
}
