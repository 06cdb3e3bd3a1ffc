using System.CommandLine;
using System.Text.Json;
using Alerts.Contracts;
using Alerts.Producer;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// The book's producer, made safe: exits 0 only once the broker has confirmed the alert.
var routingKeyOption = new Option<string>("--routing-key", "-r")
{
    Description = "SEVERITY.TYPE, for example critical.rate_limit (severity: info, warning, critical)",
    Required = true,
};
var messageOption = new Option<string>("--message", "-m") { Description = "The alert text", Required = true };
var sourceOption = new Option<string?>("--source") { Description = "What noticed the trouble (default: this program's name)" };
var timeoutOption = new Option<int>("--timeout")
{
    Description = "Seconds to wait for the broker's confirmation before giving up",
    DefaultValueFactory = _ => 10,
};

var root = new RootCommand("Publishes an alert to the 'alerts' topic exchange and waits for the broker's confirmation.")
{
    routingKeyOption, messageOption, sourceOption, timeoutOption,
};
root.SetAction((parseResult, cancellationToken) => PublishAsync(
    parseResult.GetRequiredValue(routingKeyOption),
    parseResult.GetRequiredValue(messageOption),
    parseResult.GetValue(sourceOption),
    TimeSpan.FromSeconds(parseResult.GetValue(timeoutOption)),
    cancellationToken));

var checkTimeoutOption = new Option<int>("--timeout")
{
    Description = "Seconds to wait for the connection before giving up",
    DefaultValueFactory = _ => 10,
};
var check = new Command("check", "Connects to the broker with the RabbitMq settings and exits 0, or 1 with the reason: the producer's health check.")
{
    checkTimeoutOption,
};
check.SetAction((parseResult, cancellationToken) =>
    CheckAsync(TimeSpan.FromSeconds(parseResult.GetValue(checkTimeoutOption)), cancellationToken));
root.Subcommands.Add(check);

return await root.Parse(args).InvokeAsync();

static async Task<int> PublishAsync(string routingKeyText, string text, string? source, TimeSpan timeout, CancellationToken cancellationToken)
{
    if (!RoutingKey.TryParse(routingKeyText, out var routingKey, out var error))
    {
        return Fail(2, error);
    }

    if (string.IsNullOrWhiteSpace(text))
    {
        return Fail(2, "the message (-m) is empty");
    }

    return await WithBrokerAsync(timeout, "not published", async (services, cancellation) =>
    {
        await using var scope = services.CreateAsyncScope();
        var alert = await scope.ServiceProvider.GetRequiredService<AlertPublisher>().PublishAsync(routingKey, text, source, cancellation);
        return $"sent {routingKey} {JsonSerializer.Serialize(alert)}";
    }, cancellationToken);
}

// The bus is started only once it is connected, so a started bus is a reachable broker that accepted our credentials.
static Task<int> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
    WithBrokerAsync(timeout, "not connected", (services, _) =>
    {
        var broker = services.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
        return Task.FromResult($"connected to RabbitMQ at {broker.Host}:{broker.Port} (virtual host '{broker.VirtualHost}', user '{broker.Username}')");
    }, cancellationToken);

static async Task<int> WithBrokerAsync(TimeSpan timeout, string failed, Func<IServiceProvider, CancellationToken, Task<string>> work, CancellationToken cancellationToken)
{
    if (timeout <= TimeSpan.Zero)
    {
        return Fail(2, "--timeout must be a positive number of seconds");
    }

    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
    // The bus logs every reconnect attempt; a command-line tool answers in one line instead.
    builder.Logging.ClearProviders();
    builder.Services.AddAlertsProducer();
    builder.Services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);

    using var host = builder.Build();
    if (InvalidSettings.Check(host.Services) is { } invalid)
    {
        return Fail(2, invalid);
    }

    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    deadline.CancelAfter(timeout);
    var started = false;
    try
    {
        await host.StartAsync(deadline.Token);
        started = true;
        Console.WriteLine(await work(host.Services, deadline.Token));
        return 0;
    }
    catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
    {
        var broker = host.Services.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
        return Fail(1, $"{failed}: no connection or confirmation from RabbitMQ at {broker.Host}:{broker.Port} (virtual host '{broker.VirtualHost}', user '{broker.Username}') within {timeout.TotalSeconds:0}s; is the broker running and are the RabbitMq__* settings right?");
    }
    catch (Exception failure) when (failure is MassTransitException or RabbitMQ.Client.Exceptions.RabbitMQClientException)
    {
        var cause = failure.GetBaseException().Message;
        return Fail(1, $"{failed}: {failure.Message}{(cause == failure.Message ? "" : $" ({cause})")}");
    }
    finally
    {
        if (started)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(stopping.Token);
        }
    }
}

static int Fail(int exitCode, string message)
{
    Console.Error.WriteLine($"error: {message}");
    return exitCode;
}
