using Microsoft.Extensions.Configuration;

namespace Alerts.ServiceDefaults;

/// <summary>The <c>Telemetry</c> section: where a service's metrics and traces go.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    public TelemetryExporter Exporter { get; set; } = TelemetryExporter.Prometheus;

    /// <summary>
    /// The exporter, read while the host is built (it decides what is registered). A section that does not bind
    /// exports nothing here; the same section, validated when the host starts, then stops the service with the reason.
    /// </summary>
    public static TelemetryExporter ExporterFrom(IConfiguration configuration)
    {
        try
        {
            return configuration.GetSection(SectionName).Get<TelemetryOptions>()?.Exporter ?? TelemetryExporter.Prometheus;
        }
        catch (InvalidOperationException)
        {
            return TelemetryExporter.None;
        }
    }
}

public enum TelemetryExporter
{
    /// <summary>Metrics at <c>/metrics</c> for a Prometheus server to scrape; no traces.</summary>
    Prometheus,

    /// <summary>Metrics and traces pushed over OTLP to <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (a collector, by default on localhost:4317).</summary>
    Otlp,

    None,
}
