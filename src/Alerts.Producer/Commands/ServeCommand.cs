using System.CommandLine;
using Alerts.Producer.FrontDoor;
using Alerts.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alerts.Producer.Commands;

/// <summary><c>serve</c>: the HTTP front door, Alertmanager's API for Prometheus and a JSON endpoint for <c>curl</c>.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var serve = new Command("serve", "Takes alerts over HTTP (Alertmanager's API v2, and POST /api/alerts) and publishes them to the broker.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        serve.SetAction((parseResult, cancellationToken) =>
        {
            var builder = ServiceCommandLine.CreateServiceBuilder([.. parseResult.UnmatchedTokens]);
            builder.AddServiceDefaults("alerts-front-door");
            builder.Services.AddAlertsProducer().AddFrontDoor();
            return builder.RunServiceAsync(cancellationToken, app => app.MapFrontDoor());
        });
        return serve;
    }
}
