using System.CommandLine;
using Alerts.Consumer.Commands;
using Alerts.Consumer.Telemetry;
using Alerts.ServiceDefaults;

// Without a command: the worker, consuming the routes named in Alerts:Serve (all when empty).
var root = new RootCommand("Consumes routed alerts and e-mails each to its team.") { TreatUnmatchedTokensAsErrors = false };
root.SetAction((parseResult, cancellationToken) =>
{
    var builder = ServiceCommandLine.CreateServiceBuilder([.. parseResult.UnmatchedTokens]);
    builder.AddServiceDefaults("alerts-consumer", AlertMetrics.MeterName, AlertTracing.SourceName);
    builder.Services.AddAlertsConsumer();
    return builder.RunServiceAsync(cancellationToken);
});
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(SilenceCommand.Create());
root.Subcommands.Add(HealthCommand.Create());

// The host handles SIGTERM itself: it finishes the mails in progress, however long that takes within
// HostOptions.ShutdownTimeout, instead of being cut off by the command line's own two-second grace period.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
