using System.CommandLine;
using Alerts.Consumer.Replay;
using Alerts.Consumer.Routing;
using Alerts.Consumer.Telemetry;
using Alerts.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

// Without a command: the worker, consuming the routes named in Alerts:Serve (all when empty).
// `replay ROUTE [--count N]`: moves parked alerts from the route's error queue back to its queue.
// `health [--url URL]`: asks a running worker whether it is ready, for a container's health check.
var root = new RootCommand("Consumes routed alerts and e-mails each to its team.") { TreatUnmatchedTokensAsErrors = false };
root.SetAction((parseResult, cancellationToken) => RunAsync([.. parseResult.UnmatchedTokens], cancellationToken));

var route = new Argument<string>("route") { Description = "The route whose error queue to replay, as named under Alerts:Routes" };
var count = new Option<int?>("--count") { Description = "Replay at most this many alerts (default: all parked when the replay begins)" };
var replay = new Command("replay", "Moves parked alerts from a route's error queue back to its queue, once the cause is fixed.") { route, count };
replay.SetAction((parseResult, cancellationToken) =>
    ReplayAsync(parseResult.GetRequiredValue(route), parseResult.GetValue(count), cancellationToken));
root.Subcommands.Add(replay);

var url = new Option<string>("--url")
{
    Description = "The worker's readiness address",
    DefaultValueFactory = _ => "http://localhost:8080/health/ready",
};
var health = new Command("health", "Exits 0 when the worker at --url is connected and consuming, 1 otherwise.") { url };
health.SetAction((parseResult, cancellationToken) => CheckHealthAsync(parseResult.GetRequiredValue(url), cancellationToken));
root.Subcommands.Add(health);

// The host handles SIGTERM itself: it finishes the mails in progress, however long that takes within
// HostOptions.ShutdownTimeout, instead of being cut off by the command line's own two-second grace period.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    TelemetryOptions telemetry;
    try
    {
        telemetry = TelemetryOptions.From(builder.Configuration);
    }
    catch (InvalidOperationException unbindable) when (InvalidSettings.TryDescribe(unbindable, out var description))
    {
        return Fail(description);
    }

    builder.Services.AddAlertsConsumer().AddAlertsTelemetry(telemetry.Exporter).AddHealthChecks();
    await using var app = builder.Build();
    if (InvalidSettings.Check(app.Services) is { } invalid)
    {
        return Fail(invalid);
    }

    app.MapAlertsEndpoints(telemetry.Exporter);
    await ((IHost)app).RunAsync(cancellationToken);
    return 0;
}

static async Task<int> CheckHealthAsync(string address, CancellationToken cancellationToken)
{
    if (!Uri.TryCreate(address, UriKind.Absolute, out var readiness))
    {
        return Fail($"--url '{address}' is not an absolute address");
    }

    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
    try
    {
        using var response = await http.GetAsync(readiness, cancellationToken);
        var status = await response.Content.ReadAsStringAsync(cancellationToken);
        Console.WriteLine($"{readiness}: {(int)response.StatusCode} {status}");
        return response.IsSuccessStatusCode ? 0 : 1;
    }
    catch (Exception unreachable) when (unreachable is HttpRequestException or TaskCanceledException)
    {
        Console.Error.WriteLine($"error: {readiness}: {unreachable.Message}");
        return 1;
    }
}

static async Task<int> ReplayAsync(string routeName, int? count, CancellationToken cancellationToken)
{
    using var host = Build([], services => services.AddAlertsReplay());
    if (InvalidSettings.Check(host.Services) is { } invalid)
    {
        return Fail(invalid);
    }

    if (count is < 1)
    {
        return Fail("--count must be at least 1");
    }

    var routes = host.Services.GetRequiredService<IOptions<AlertsOptions>>().Value.Routes;
    if (!routes.TryGetValue(routeName, out var replayed))
    {
        return Fail($"no route '{routeName}' in Alerts:Routes ({string.Join(", ", routes.Keys)})");
    }

    try
    {
        var moved = await host.Services.GetRequiredService<ErrorQueueReplay>().ReplayAsync(replayed.Queue, count, cancellationToken);
        Console.WriteLine($"moved {moved} parked alert(s) from {replayed.Queue}_error back to {replayed.Queue}");
        return 0;
    }
    catch (Exception failure) when (failure is RabbitMQ.Client.Exceptions.RabbitMQClientException or System.Net.Sockets.SocketException)
    {
        return Fail($"replay stopped: {failure.GetBaseException().Message}; what was not moved is still in {replayed.Queue}_error");
    }
}

static IHost Build(string[] args, Action<IServiceCollection> addServices)
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
    {
        Args = args,
        // appsettings.json ships beside the program, wherever it is started from.
        ContentRootPath = AppContext.BaseDirectory,
    });
    addServices(builder.Services);
    return builder.Build();
}

// A bad setting or argument stops the program before anything starts, in one line that names it.
static int Fail(string message)
{
    Console.Error.WriteLine($"error: {message}");
    return 2;
}
