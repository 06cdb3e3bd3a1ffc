using Alerts.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client.Exceptions;

namespace Microsoft.Extensions.Hosting;

public static class BrokerFailureLogging
{
    /// <summary>
    /// Writes each failure to reach or log in to the broker as one line that names the broker, the virtual host, the
    /// user and the reason (<c>ACCESS_REFUSED</c>, <c>NOT_ALLOWED - vhost … not found</c>, connection refused), once per
    /// attempt or failed readiness probe. MassTransit logs a wrong password three times an attempt, each with the
    /// exception's whole stack.
    /// </summary>
    public static ILoggingBuilder AddOneLineBrokerFailures(this ILoggingBuilder logging)
    {
        logging.Services.TryAddSingleton(TimeProvider.System);
        foreach (var provider in logging.Services.Where(service => service.ServiceType == typeof(ILoggerProvider)).ToList())
        {
            logging.Services.Remove(provider);
            logging.Services.AddSingleton<ILoggerProvider>(services => new OneLineBrokerFailures(
                Create(services, provider), services.GetRequiredService<IServiceProvider>(), services.GetRequiredService<TimeProvider>()));
        }

        return logging;
    }

    static ILoggerProvider Create(IServiceProvider services, ServiceDescriptor provider) =>
        (ILoggerProvider)(provider.ImplementationInstance
            ?? provider.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, provider.ImplementationType!));

    sealed class OneLineBrokerFailures(ILoggerProvider inner, IServiceProvider services, TimeProvider time) : ILoggerProvider, ISupportExternalScope
    {
        /// <summary>MassTransit's entries for one attempt come within milliseconds; attempts are seconds apart.</summary>
        static readonly TimeSpan SameAttempt = TimeSpan.FromSeconds(1);

        readonly Lock _gate = new();
        long? _lastWritten;

        public ILogger CreateLogger(string categoryName) => new Logger(inner.CreateLogger(categoryName), this);

        public void Dispose() => inner.Dispose();

        // The logger factory hands its scopes (AlertId, Route) to providers that take them; the console provider does.
        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

        /// <returns>The line to write for a broker failure, or null when this attempt already said why it failed.</returns>
        string? OneLine(Exception failure)
        {
            lock (_gate)
            {
                if (_lastWritten is { } last && time.GetElapsedTime(last) < SameAttempt)
                {
                    return null;
                }

                _lastWritten = time.GetTimestamp();
            }

            string description;
            try
            {
                description = BrokerConnection.Describe(failure, services.GetRequiredService<IOptions<RabbitMqOptions>>().Value);
            }
            catch (OptionsValidationException)
            {
                description = failure.GetBaseException().Message;
            }

            return $"cannot connect to {description}";
        }

        static bool IsBrokerFailure(Exception exception)
        {
            for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
            {
                if (inner is RabbitMqConnectionException or BrokerUnreachableException or AuthenticationFailureException)
                {
                    return true;
                }
            }

            return false;
        }

        sealed class Logger(ILogger inner, OneLineBrokerFailures owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => inner.BeginScope(state);

            public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (exception is null || !IsBrokerFailure(exception))
                {
                    inner.Log(logLevel, eventId, state, exception, formatter);
                }
                else if (owner.OneLine(exception) is { } line)
                {
                    inner.Log(logLevel, eventId, line, null, static (text, _) => text);
                }
            }
        }
    }
}
