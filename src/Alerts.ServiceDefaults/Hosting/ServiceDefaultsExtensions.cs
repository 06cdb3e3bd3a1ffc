using Alerts.ServiceDefaults;
using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>What every Alerts service has, in one call each: health probes, telemetry, and its settings checked at start.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Adds health checks and exports MassTransit's metrics and traces, the runtime's metrics and the service's own
    /// <paramref name="sources"/> (meters and activity sources, by name) the way <c>Telemetry:Exporter</c> says;
    /// <c>OTEL_SERVICE_NAME</c> overrides <paramref name="serviceName"/>.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName, params string[] sources)
    {
        builder.Services.AddValidatedSettings<TelemetryOptions>(TelemetryOptions.SectionName);
        builder.Services.AddHealthChecks();
        builder.Logging.AddOneLineBrokerFailures();
        var exporter = TelemetryOptions.ExporterFrom(builder.Configuration);
        if (exporter == TelemetryExporter.None)
        {
            return builder;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            // A default name, then OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES over it: what is detected later wins.
            .ConfigureResource(resource => resource.AddService(serviceName).AddEnvironmentVariableDetector())
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([.. sources, InstrumentationOptions.MeterName, "System.Runtime"]);
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
            telemetry.WithTracing(tracing => tracing.AddSource([.. sources, DiagnosticHeaders.DefaultListenerName]).AddOtlpExporter());
        }

        return builder;
    }

    /// <summary>
    /// <c>/health/live</c> answers while the process serves requests; <c>/health/ready</c> only once the bus is
    /// connected and every receive endpoint consumes (MassTransit's own "ready" check). Docker's health check
    /// (the <c>health</c> command) and Kubernetes' probes ask the same two addresses. Prometheus scrapes <c>/metrics</c>.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            // MassTransit reports a bus that lost its broker and is reconnecting as degraded: not ready to consume.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        // Validated by now (RunServiceAsync checks every setting first): no need to bind the section a second time.
        if (app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.Exporter == TelemetryExporter.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint();
        }

        return app;
    }
}
