using Alerts.Producer.Commands;
using Alerts.ServiceDefaults;

// The book's producer, made safe: exits 0 only once the broker has confirmed the alert.
var root = PublishCommand.Create();
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(HealthCommand.Create());
return await root.Parse(args).InvokeAsync();
