using Alerts.Contracts.Silences;
using Alerts.ServiceDefaults;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerts.Producer.History;

/// <summary>
/// An acknowledgement ("I'm on it") is a silence whose comment begins with <see cref="Marker"/>, as karma writes them, and
/// whose author is the group's owner. It lasts until the group resolves: once no firing alert matches it, it is expired,
/// so the next time the group fires it reaches the team again. Its end time bounds it when the group never resolves.
/// Every front door replica does this alike; expiring twice is harmless.
/// </summary>
public sealed partial class Acknowledgements(
    AlertBoard board, SilenceCopy silences, SilenceService service, TimeProvider time, ILogger<Acknowledgements> logger) : BackgroundService
{
    public const string Marker = "ACK!";

    /// <summary>Another replica's board may read the group a moment later than the one that took the acknowledgement.</summary>
    static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    static readonly TimeSpan Every = TimeSpan.FromSeconds(10);

    public static bool IsAcknowledgement(Silence silence) => silence.Comment.StartsWith(Marker, StringComparison.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.WhenAll(board.Loaded, silences.Loaded).WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(Every, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var resolved in Resolved(board, silences.All, time.GetUtcNow()))
            {
                try
                {
                    await service.ExpireAsync(resolved.Id, stoppingToken);
                    LogExpired(resolved.CreatedBy, resolved);
                }
                catch (Exception failure) when (BrokerConnection.IsConnectionFailure(failure))
                {
                    LogBrokerUnreachable(failure.GetBaseException().Message); // the next tick tries again
                    break;
                }
            }
        }
    }

    /// <summary>The active acknowledgements, older than <see cref="Settle"/>, that no firing alert matches any more.</summary>
    public static List<Silence> Resolved(AlertBoard board, IEnumerable<Silence> silences, DateTimeOffset now)
    {
        var acknowledgements = silences.Where(silence => IsAcknowledgement(silence) && silence.IsActive(now) && now - silence.StartsAt > Settle).ToList();
        if (acknowledgements.Count == 0)
        {
            return acknowledgements;
        }

        var stillFiring = new HashSet<Guid>();
        board.Firing((alert, _) =>
        {
            stillFiring.UnionWith(acknowledgements.Where(silence => silence.Matches(alert.Label)).Select(silence => silence.Id));
            return (object?)null;
        });
        return [.. acknowledgements.Where(silence => !stillFiring.Contains(silence.Id))];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Expired the acknowledgement of {Owner} over {Matchers}: its alerts resolved")]
    partial void LogExpired(string owner, Silence matchers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not expire resolved acknowledgements, the broker cannot be reached: {Reason}")]
    partial void LogBrokerUnreachable(string reason);
}
