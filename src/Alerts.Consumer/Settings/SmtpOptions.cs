using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace Alerts.Consumer.Settings;

/// <summary>The <c>Smtp</c> section: the mail server alerts are sent through (<c>Smtp__Host</c>, …).</summary>
public sealed class SmtpOptions
{
    public const string SectionName = "Smtp";

    [Required(ErrorMessage = "Smtp:Host is required")]
    public string Host { get; set; } = "";

    [Range(1, 65535, ErrorMessage = "Smtp:Port must be between 1 and 65535")]
    public int Port { get; set; } = 25;

    /// <summary>None, Auto, SslOnConnect, StartTls or StartTlsWhenAvailable.</summary>
    [EnumDataType(typeof(SecureSocketOptions), ErrorMessage = "Smtp:Security must be None, Auto, SslOnConnect, StartTls or StartTlsWhenAvailable")]
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.Auto;

    /// <summary>Leave empty for a server that takes mail without logging in.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    [Required(ErrorMessage = "Smtp:From is required")]
    [EmailAddress(ErrorMessage = "Smtp:From must be an e-mail address")]
    public string From { get; set; } = "";

    /// <summary>
    /// Whether the mail server's certificate is checked against its authority's revocation list. A private authority
    /// often publishes none, and then no certificate of it can pass; the chain and the host name are checked either way.
    /// </summary>
    public bool CheckCertificateRevocation { get; set; } = true;

    /// <summary>A pooled connection idle longer than this is closed and opened anew, before the server drops it.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
