using Alerts.Consumer.Mail;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Silences;
using Alerts.Consumer.Telemetry;
using Alerts.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Consumers;

/// <summary>
/// Mails each alert on a route that does not group (one mail per alert, the book's behaviour) to that route's team,
/// unless a silence mutes it. It returns, and so lets MassTransit
/// acknowledge the alert, only after the mail server accepted the mail; any exception leaves the
/// alert to the retry policy and, after that, to the route's error queue.
/// </summary>
public sealed partial class AlertConsumer(
    IOptions<AlertsOptions> options, AlertMailer mailer, SilenceBook silences, AlertMetrics metrics, ILogger<AlertConsumer> logger) : IConsumer<Alert>
{
    readonly AlertsOptions _alerts = options.Value;

    public async Task Consume(ConsumeContext<Alert> context)
    {
        var (routeName, route) = _alerts.RouteOfQueue(context.ReceiveContext.InputAddress);
        var retryAttempt = context.GetRetryAttempt();
        metrics.Delivered(routeName, retryAttempt, context.Message.OccurredAt);
        var alert = RoutedAlert.From(context.Message, context.RoutingKey(), context.MessageId, _alerts.MaxTextLength);

        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["AlertId"] = alert.Id, ["Route"] = routeName });
        if (alert.Resolved && !route.SendResolved)
        {
            return;
        }

        var group = alert.GroupKey(route.Grouping.By);
        await silences.Loaded.WaitAsync(context.CancellationToken);
        if (silences.Mutes(alert, routeName, group))
        {
            return;
        }

        var mail = AlertMail.Create(alert, routeName, route, mailer.From);
        mail.Headers.Add(DigestMail.GroupHeader, group);
        var sending = metrics.StartSend();
        try
        {
            await mailer.SendAsync(mail, context.CancellationToken);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            metrics.Sent(routeName, sending, accepted: false);
            LogSendFailed(alert.RoutingKey, alert.Id, routeName, retryAttempt + 1, failure.Message);
            throw;
        }

        metrics.Sent(routeName, sending, accepted: true);
        LogMailed(alert.RoutingKey, alert.Id, route.To, routeName);
    }

    [LoggerMessage(LogLevel.Information, "Mailed {RoutingKey} alert {AlertId} to {Recipients} for route {Route}")]
    partial void LogMailed(RoutingKey routingKey, Guid? alertId, List<string> recipients, string route);

    [LoggerMessage(LogLevel.Warning, "Could not mail {RoutingKey} alert {AlertId} for route {Route} (attempt {Attempt}): {Reason}")]
    partial void LogSendFailed(RoutingKey routingKey, Guid? alertId, string route, int attempt, string reason);
}
