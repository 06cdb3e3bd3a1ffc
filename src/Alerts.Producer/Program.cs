using Alerts.Producer.Commands;

// The book's producer, made safe: exits 0 only once the broker has confirmed the alert.
var root = PublishCommand.Create();
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
return await root.Parse(args).InvokeAsync();
