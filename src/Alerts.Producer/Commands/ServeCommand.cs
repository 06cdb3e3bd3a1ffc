using System.CommandLine;
using Alerts.Producer.FrontDoor;
using Alerts.ServiceDefaults;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

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
            builder.Services.AddAlertsProducer();
            builder.Services.AddValidatedSettings<FrontDoorOptions>(FrontDoorOptions.SectionName);
            builder.Services.AddSingleton<IValidateOptions<FrontDoorOptions>, FrontDoorOptionsValidator>();
            builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<FrontDoorOptions>>((kestrel, frontDoor) =>
                kestrel.Limits.MaxRequestBodySize = frontDoor.Value.MaxRequestBytes);
            return builder.RunServiceAsync(cancellationToken, app => app.MapFrontDoor());
        });
        return serve;
    }
}
