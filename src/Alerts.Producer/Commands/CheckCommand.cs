using System.CommandLine;
using Alerts.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Producer.Commands;

/// <summary><c>check</c>: connects to the broker with the <c>RabbitMq</c> settings and exits 0, or 1 with the reason: the producer's health check.</summary>
public static class CheckCommand
{
    public static Command Create()
    {
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the connection before giving up",
            DefaultValueFactory = _ => 10,
        };
        var check = new Command("check", "Connects to the broker with the RabbitMq settings and exits 0, or 1 with the reason: the producer's health check.")
        {
            timeout,
        };
        // The bus is started only once it is connected, so a started bus is a reachable broker that accepted our credentials.
        check.SetAction((parseResult, cancellationToken) => BrokerSession.RunAsync(
            TimeSpan.FromSeconds(parseResult.GetValue(timeout)), "not connected", (services, _) =>
            {
                var broker = services.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                return Task.FromResult($"connected to {BrokerConnection.Name(broker)}");
            }, cancellationToken));
        return check;
    }
}
