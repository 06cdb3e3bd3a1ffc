using Alerts.Contracts;

// Consumes the routes named in Alerts:Serve (all when empty) and mails each alert to its team.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    // appsettings.json ships beside the program, wherever it is started from.
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Services.AddAlertsConsumer();

using var host = builder.Build();
if (InvalidSettings.Check(host.Services) is { } invalid)
{
    // A bad setting stops the service before anything starts, in one line that names the setting.
    Console.Error.WriteLine($"error: {invalid}");
    return 2;
}

await host.RunAsync();
return 0;
