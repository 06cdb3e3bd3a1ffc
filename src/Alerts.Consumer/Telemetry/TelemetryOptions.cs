namespace Alerts.Consumer.Telemetry;

/// <summary>The <c>Telemetry</c> section: where the consumer's metrics and traces go.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    public TelemetryExporter Exporter { get; set; } = TelemetryExporter.Prometheus;
}

public enum TelemetryExporter
{
    /// <summary>Metrics at <c>/metrics</c> for a Prometheus server to scrape; no traces.</summary>
    Prometheus,

    /// <summary>Metrics and traces pushed over OTLP to <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (a collector, by default on localhost:4317).</summary>
    Otlp,

    None,
}
