using Alerts.Consumer.Mail;
using Alerts.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Routing;

/// <summary>
/// Mails each alert on a route's queue to that route's team. It returns, and so lets MassTransit
/// acknowledge the alert, only after the mail server accepted the mail; any exception leaves the
/// alert to the retry policy and, after that, to the route's error queue.
/// </summary>
public sealed partial class AlertConsumer(IOptions<AlertsOptions> options, AlertMailer mailer, ILogger<AlertConsumer> logger) : IConsumer<Alert>
{
    readonly AlertsOptions _alerts = options.Value;

    public async Task Consume(ConsumeContext<Alert> context)
    {
        var (routeName, route) = RouteOf(context.ReceiveContext.InputAddress);
        var alert = RoutedAlert.From(context.Message, context.RoutingKey(), context.MessageId, _alerts.MaxTextLength);

        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["AlertId"] = alert.Id, ["Route"] = routeName });
        try
        {
            await mailer.SendAsync(AlertMail.Create(alert, routeName, route, mailer.From), context.CancellationToken);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            LogSendFailed(alert.RoutingKey, alert.Id, routeName, context.GetRetryAttempt() + 1, failure.Message);
            throw;
        }

        LogMailed(alert.RoutingKey, alert.Id, route.To, routeName);
    }

    [LoggerMessage(LogLevel.Information, "Mailed {RoutingKey} alert {AlertId} to {Recipients} for route {Route}")]
    partial void LogMailed(RoutingKey routingKey, Guid? alertId, List<string> recipients, string route);

    [LoggerMessage(LogLevel.Warning, "Could not mail {RoutingKey} alert {AlertId} for route {Route} (attempt {Attempt}): {Reason}")]
    partial void LogSendFailed(RoutingKey routingKey, Guid? alertId, string route, int attempt, string reason);

    /// <summary>Each route has a queue of its own, so the queue an alert came from names its route.</summary>
    (string Name, RouteOptions Route) RouteOf(Uri inputAddress)
    {
        var queue = inputAddress.AbsolutePath[(inputAddress.AbsolutePath.LastIndexOf('/') + 1)..];
        foreach (var (name, route) in _alerts.Routes)
        {
            if (route.Queue == queue)
            {
                return (name, route);
            }
        }

        throw new InvalidOperationException($"no route in Alerts:Routes consumes queue '{queue}'");
    }
}
