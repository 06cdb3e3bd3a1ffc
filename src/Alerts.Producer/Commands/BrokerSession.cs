using Alerts.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Producer.Commands;

/// <summary>Runs one piece of work on a started bus, within a deadline, and answers in one line either way.</summary>
static class BrokerSession
{
    public static async Task<int> RunAsync(
        TimeSpan timeout, string failed, Func<IServiceProvider, CancellationToken, Task<string>> work, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return ServiceCommandLine.Fail("--timeout must be a positive number of seconds");
        }

        using var host = ServiceCommandLine.BuildCommandHost(services =>
        {
            // The bus logs every reconnect attempt; a command-line tool answers in one line instead.
            services.AddLogging(logging => logging.ClearProviders());
            services.AddAlertsProducer();
            services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
        });
        if (InvalidSettings.Check(host.Services) is { } invalid)
        {
            return ServiceCommandLine.Fail(invalid);
        }

        var broker = host.Services.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
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
            return ServiceCommandLine.Fail(
                $"{failed}: no connection or confirmation from {BrokerConnection.Name(broker)} within {timeout.TotalSeconds:0}s; is the broker running and are the RabbitMq__* settings right?",
                ServiceCommandLine.Failed);
        }
        catch (Exception failure) when (failure is MassTransitException || BrokerConnection.IsConnectionFailure(failure))
        {
            var cause = failure.GetBaseException().Message;
            return ServiceCommandLine.Fail($"{failed}: {failure.Message}{(cause == failure.Message ? "" : $" ({cause})")}", ServiceCommandLine.Failed);
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
}
