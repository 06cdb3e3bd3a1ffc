using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Alerts.ServiceDefaults;

/// <summary>The shell around each program: how it runs as a service, how a command builds its host, and how either fails.</summary>
public static class ServiceCommandLine
{
    /// <summary>Exit code for a bad setting or argument: nothing was tried.</summary>
    public const int InvalidUsage = 2;

    /// <summary>Exit code for work that was tried and failed (the broker unreachable, say).</summary>
    public const int Failed = 1;

    /// <summary>A web application builder whose settings come from beside the program, wherever it is started from.</summary>
    public static WebApplicationBuilder CreateServiceBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

    /// <summary>
    /// Builds the service, checks every setting, maps the health and metrics endpoints and runs until stopped.
    /// A bad setting stops it before anything starts, in one line that names it.
    /// </summary>
    /// <param name="map">Maps the service's own endpoints, beside health and metrics.</param>
    public static async Task<int> RunServiceAsync(this WebApplicationBuilder builder, CancellationToken cancellationToken, Action<WebApplication>? map = null)
    {
        await using var app = builder.Build();
        if (InvalidSettings.Check(app.Services) is { } invalid)
        {
            return Fail(invalid);
        }

        app.MapDefaultEndpoints();
        map?.Invoke(app);
        await ((IHost)app).RunAsync(cancellationToken);
        return 0;
    }

    /// <summary>A host for a command that runs once (replay, check): the program's settings and the given services, nothing served.</summary>
    public static IHost BuildCommandHost(Action<IServiceCollection> addServices)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        addServices(builder.Services);
        return builder.Build();
    }

    /// <summary>
    /// Runs a command that works on the broker outside the bus (replay, silence): checks its settings, then does the work,
    /// and says in one line, naming the broker, when the broker cannot be reached or refuses the user.
    /// </summary>
    /// <param name="failed">Words for the broker's failure, given its description: what stopped, and what is left.</param>
    /// <param name="cancellationToken">The command's own: a cancellation it did not ask for is the broker not answering in time.</param>
    public static async Task<int> RunAgainstBrokerAsync(
        Action<IServiceCollection> addServices, Func<IServiceProvider, Task<int>> work, Func<string, string> failed, CancellationToken cancellationToken)
    {
        using var host = BuildCommandHost(addServices);
        if (InvalidSettings.Check(host.Services) is { } invalid)
        {
            return Fail(invalid);
        }

        try
        {
            return await work(host.Services);
        }
        // System.CommandLine ends a command that throws OperationCanceledException with exit code 1 and not a word.
        catch (Exception failure) when (BrokerConnection.IsConnectionFailure(failure)
            || (failure is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return Fail(failed(BrokerConnection.Describe(failure, host.Services.GetRequiredService<IOptions<RabbitMqOptions>>().Value)), Failed);
        }
    }

    /// <summary>Says what went wrong in one line on standard error, for an operator or a script to act on.</summary>
    public static int Fail(string message, int exitCode = InvalidUsage)
    {
        Console.Error.WriteLine($"error: {message}");
        return exitCode;
    }
}
