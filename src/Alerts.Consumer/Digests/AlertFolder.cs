using Alerts.Consumer.Consumers;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Silences;
using Alerts.Consumer.Telemetry;
using Alerts.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Digests;

/// <summary>
/// Folds a batch of a grouping route's alerts into one tally per group and sends the tallies, confirmed, to the route's
/// digest queue; the batch is acknowledged only then. Every replica of a route folds; one mails. Silenced alerts are
/// counted and acknowledged here, never mailed.
/// </summary>
public sealed partial class AlertFolder(
    IOptions<AlertsOptions> options, SilenceBook silences, AlertMetrics metrics, TimeProvider time, ILogger<AlertFolder> logger)
    : IConsumer<Batch<Alert>>
{
    public async Task Consume(ConsumeContext<Batch<Alert>> context)
    {
        await silences.Loaded.WaitAsync(context.CancellationToken);
        var (routeName, route) = options.Value.RouteOfQueue(context.Message[0].ReceiveContext.InputAddress);
        var now = time.GetUtcNow();
        var tallies = new Dictionary<string, AlertTally>(StringComparer.Ordinal);
        foreach (var delivery in context.Message)
        {
            metrics.Delivered(routeName, delivery.GetRetryAttempt(), delivery.Message.OccurredAt);
            var alert = delivery.GetPayload<RoutedAlert>();
            var group = alert.GroupKey(route.Grouping.By);
            if (silences.Muting(alert) is { } silence)
            {
                metrics.Silenced(routeName);
                if (silences.FirstMuted(silence, group))
                {
                    LogSilenced(group, routeName, silence.Id, silence.CreatedBy, silence.Comment);
                }

                continue;
            }

            if (!tallies.TryGetValue(group, out var tally))
            {
                tallies[group] = tally = new AlertTally { Group = group };
            }

            // The first alert of a group travels whole (it may be mailed alone); the rest only as far as a digest shows them.
            tally.Alerts.Add(TalliedAlert.From(alert, now, tally.Alerts.Count == 0 ? alert.Text.Length : GroupSummary.MaxTextLength + 1));
        }

        var digestQueue = await context.GetSendEndpoint(new Uri($"exchange:{route.DigestQueue}"));
        await Task.WhenAll(tallies.Values.Select(tally => digestQueue.Send(tally, context.CancellationToken)));
    }

    [LoggerMessage(LogLevel.Information, "Silenced alerts of group {Group} for route {Route} by silence {SilenceId} of {CreatedBy}: {Comment}")]
    partial void LogSilenced(string group, string route, Guid silenceId, string createdBy, string comment);
}
