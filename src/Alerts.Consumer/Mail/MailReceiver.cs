using System.Collections.Concurrent;
using Alerts.Consumer.Notifications;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;
using MailKit.Net.Smtp;

namespace Alerts.Consumer.Mail;

/// <summary>
/// Mails a notification to the route's recipients: one alert as its own mail, a group's digest as a digest. A refusal
/// for good (an SMTP 5xx, a refused login) is a <see cref="NotificationRefusedException"/>, parked at once; any other
/// failure (connection refused, a timeout, a 4xx, an untrusted certificate) is retried.
/// </summary>
public sealed partial class MailReceiver(AlertMailer mailer, AlertMetrics metrics, TimeProvider time, ILogger<MailReceiver> logger) : INotificationReceiver
{
    readonly ConcurrentDictionary<string, RouteMailHeaders> _headers = new(StringComparer.OrdinalIgnoreCase);

    public string Name => "email";

    public async Task SendAsync(Route route, Notification notification, int attempt, CancellationToken cancellationToken)
    {
        var summary = notification.Summary;
        var headers = _headers.GetOrAdd(route.Name, _ => new RouteMailHeaders(route.Options, mailer.From));
        // Disposed once sent: a MimeMessage and its parts have finalizers, which would otherwise run for every mail.
        using var mail = summary is { Count: 1, First: { } alert }
            ? AlertMail.Create(alert, notification.Group, route.Name, headers, time.GetUtcNow())
            : DigestMail.Create(notification.Group, summary, route.Name, headers, time.GetUtcNow());
        var sending = metrics.StartSend();
        try
        {
            await mailer.SendAsync(mail, cancellationToken);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            metrics.Sent(route.Name, sending, accepted: false);
            if (Refusal(failure) is { } refused)
            {
                throw refused;
            }

            throw;
        }

        metrics.Sent(route.Name, sending, accepted: true, summary.Count);
        LogMailed(summary.Count, notification.Group, route.Options.To, route.Name);
    }

    static NotificationRefusedException? Refusal(Exception failure) => failure switch
    {
        SmtpCommandException { StatusCode: var status } when (int)status >= 500 =>
            new NotificationRefusedException($"the mail server refused the mail for good ({(int)status})", failure),
        MailKit.Security.AuthenticationException => new NotificationRefusedException("the mail server refused the login", failure),
        _ => null,
    };

    // Debug, as Alertmanager logs each notification: at thousands of mails a second a line each costs a fifth of the
    // consumer's CPU, and the history stream and alerts_mailed_total already account for every mail.
    [LoggerMessage(LogLevel.Debug, "Mailed {Count} alert(s) of group {Group} to {Recipients} for route {Route}")]
    partial void LogMailed(long count, string group, List<string> recipients, string route);
}
