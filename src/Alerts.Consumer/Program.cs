using Microsoft.Extensions.Options;

// Consumes the routes named in Alerts:Serve (all when empty) and mails each alert to its team.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddAlertsConsumer();

using var host = builder.Build();
try
{
    await host.RunAsync();
    return 0;
}
catch (OptionsValidationException invalid)
{
    // A bad setting stops the service at start, in one line that names the setting.
    Console.Error.WriteLine($"error: invalid configuration: {string.Join("; ", invalid.Failures)}");
    return 2;
}
