using System.ComponentModel.DataAnnotations;

namespace Alerts.Contracts;

/// <summary>Where the broker is and who we are to it: the <c>RabbitMq</c> section (<c>RabbitMq__Host</c>, …).</summary>
public sealed class RabbitMqOptions
{
    public const string SectionName = "RabbitMq";

    [Required(ErrorMessage = "RabbitMq:Host is required")]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535, ErrorMessage = "RabbitMq:Port must be between 1 and 65535")]
    public int Port { get; set; } = 5672;

    [Required(ErrorMessage = "RabbitMq:VirtualHost is required")]
    public string VirtualHost { get; set; } = "/";

    [Required(ErrorMessage = "RabbitMq:Username is required")]
    public string Username { get; set; } = "";

    [Required(ErrorMessage = "RabbitMq:Password is required")]
    public string Password { get; set; } = "";

    /// <summary>AMQPS: TLS 1.2 or 1.3 to the broker (usually on port 5671), the certificate checked against <see cref="Host"/>.</summary>
    public bool UseTls { get; set; }
}
