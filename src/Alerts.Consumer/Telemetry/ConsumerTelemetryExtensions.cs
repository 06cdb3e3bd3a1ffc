using Alerts.Consumer.Telemetry;
using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.DependencyInjection;

public static class ConsumerTelemetryExtensions
{
    /// <summary>
    /// Exports the alert metrics, MassTransit's own metrics and traces and the runtime's metrics the way
    /// <c>Telemetry:Exporter</c> says; the service name comes from <c>OTEL_SERVICE_NAME</c> when set.
    /// </summary>
    public static IServiceCollection AddAlertsTelemetry(this IServiceCollection services, TelemetryExporter exporter)
    {
        if (exporter == TelemetryExporter.None)
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry()
            // A default name, then OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES over it: what is detected later wins.
            .ConfigureResource(resource => resource.AddService("alerts-consumer").AddEnvironmentVariableDetector())
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(AlertMetrics.MeterName, InstrumentationOptions.MeterName, "System.Runtime");
                if (exporter == TelemetryExporter.Prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
                else
                {
                    metrics.AddOtlpExporter();
                }
            });

        if (exporter == TelemetryExporter.Otlp)
        {
            telemetry.WithTracing(tracing => tracing.AddSource(DiagnosticHeaders.DefaultListenerName).AddOtlpExporter());
        }

        return services;
    }

    /// <summary>
    /// <c>/health/live</c> answers while the process serves requests; <c>/health/ready</c> only once the bus is
    /// connected and every receive endpoint consumes (MassTransit's own "ready" check). Docker's health check
    /// (<c>Alerts.Consumer health</c>) and Kubernetes' probes ask the same two addresses.
    /// </summary>
    public static WebApplication MapAlertsEndpoints(this WebApplication app, TelemetryExporter exporter)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        if (exporter == TelemetryExporter.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint();
        }

        return app;
    }
}
