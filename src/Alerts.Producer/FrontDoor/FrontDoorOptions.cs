using System.ComponentModel.DataAnnotations;
using Alerts.Contracts;

namespace Alerts.Producer.FrontDoor;

/// <summary>The <c>FrontDoor</c> section: who may post alerts over HTTP, how much at once, and what an alert without a severity is.</summary>
public sealed class FrontDoorOptions
{
    public const string SectionName = "FrontDoor";

    /// <summary>A client sends <c>Authorization: Bearer TOKEN</c> (Prometheus's <c>authorization</c> block, <c>amtool --http.config.file</c>).</summary>
    public string? BearerToken { get; set; }

    /// <summary>With <see cref="Password"/>: HTTP basic authentication (Prometheus's <c>basic_auth</c>).</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>No authentication at all: accepted only when every address in <c>Urls</c> is on loopback.</summary>
    public bool AllowAnonymousOnLoopback { get; set; }

    /// <summary>Larger requests are refused with 413; Prometheus sends at most 64 alerts at once by default.</summary>
    [Range(1, 100_000, ErrorMessage = "FrontDoor:MaxAlertsPerRequest must be between 1 and 100000")]
    public int MaxAlertsPerRequest { get; set; } = 1000;

    [Range(1024, 64 * 1024 * 1024, ErrorMessage = "FrontDoor:MaxRequestBytes must be between 1024 and 67108864")]
    public long MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long a request waits for the broker's confirms before it is answered 503, within Prometheus's 10 s timeout.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The severity of an alert whose <c>severity</c> label is missing or not one of the known values.</summary>
    public Severity DefaultSeverity { get; set; } = Severity.Warning;
}
