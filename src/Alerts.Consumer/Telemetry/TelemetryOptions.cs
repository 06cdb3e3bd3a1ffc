using Alerts.Contracts;

namespace Alerts.Consumer.Telemetry;

/// <summary>The <c>Telemetry</c> section: where the consumer's metrics and traces go.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    public TelemetryExporter Exporter { get; set; } = TelemetryExporter.Prometheus;

    /// <summary>Read while the host is built, not when it starts: the exporter decides what is registered.</summary>
    /// <exception cref="InvalidOperationException">A key or value in the section is wrong (see <see cref="InvalidSettings.TryDescribe"/>).</exception>
    public static TelemetryOptions From(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<TelemetryOptions>(InvalidSettings.BindStrictly) ?? new();
}

public enum TelemetryExporter
{
    /// <summary>Metrics at <c>/metrics</c> for a Prometheus server to scrape; no traces.</summary>
    Prometheus,

    /// <summary>Metrics and traces pushed over OTLP to <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (a collector, by default on localhost:4317).</summary>
    Otlp,

    None,
}
