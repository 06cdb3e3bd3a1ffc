using System.ComponentModel.DataAnnotations;

namespace Alerts.ServiceDefaults;

/// <summary>Where the broker is and who we are to it: the <c>RabbitMq</c> section (<c>RabbitMq__Host</c>, …).</summary>
public sealed class RabbitMqOptions : IValidatableObject
{
    public const string SectionName = "RabbitMq";

    /// <summary>
    /// The broker, or the nodes of a cluster as a comma-separated list (<c>rabbit-0,rabbit-1,rabbit-2</c>, each
    /// optionally <c>host:port</c>): connections go to the first that answers, and move on when a node goes away.
    /// </summary>
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

    /// <summary>AMQPS: TLS 1.2 or 1.3 to the broker (usually on port 5671), the certificate checked against the first node named in <see cref="Host"/>.</summary>
    public bool UseTls { get; set; }

    /// <summary>Each node named in <see cref="Host"/>, with <see cref="Port"/> where it names none.</summary>
    public IReadOnlyList<(string Host, int Port)> Nodes() =>
        [.. NodeNames().Select(node => TryParseNode(node, out var parsed) ? parsed : (node, Port))];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        NodeNames().Where(node => !TryParseNode(node, out _)).Select(node =>
            new ValidationResult($"RabbitMq:Host '{node}' is not a host or host:port (a cluster's nodes are separated by commas)"));

    string[] NodeNames() => Host.Split(',', StringSplitOptions.TrimEntries);

    bool TryParseNode(string node, out (string Host, int Port) parsed)
    {
        parsed = node.Split(':') switch
        {
            [{ Length: > 0 } host] => (host, Port),
            [{ Length: > 0 } host, var port] when int.TryParse(port, out var number) && number is > 0 and <= 65535 => (host, number),
            _ => ("", 0),
        };
        return parsed.Port != 0;
    }
}
