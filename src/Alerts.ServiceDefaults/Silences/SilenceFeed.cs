using Alerts.Contracts.Silences;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.ServiceDefaults;

/// <summary>What keeps a copy of the silences: each version of each silence as it is read, and the moment the copy is complete.</summary>
public interface ISilenceCopy
{
    void Apply(Silence silence);

    /// <summary>Everything written before the copy began reading has been read.</summary>
    void MarkLoaded();
}

/// <summary>
/// Keeps this replica's copy of the silences up to date: reads every silence from the broker's stream at start, then each
/// new one as it is written (within milliseconds), and again from the start after the connection recovers.
/// </summary>
public sealed partial class SilenceFeed<TCopy>(TCopy copy, IOptions<RabbitMqOptions> broker, ILogger<SilenceFeed<TCopy>> logger) : BackgroundService
    where TCopy : ISilenceCopy
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The client recovers this connection, and the stream reader with it, once it has been opened.
                await using var connection = await BrokerConnection.ConnectAsync(broker.Value, "silences", stoppingToken);
                await using var channel = await SilenceStore.OpenAsync(connection, stoppingToken);
                await SilenceStore.FollowAsync(channel, copy.Apply, copy.MarkLoaded, stoppingToken);
                await Task.Delay(Timeout.Infinite, stoppingToken);
            }
            catch (Exception failure) when (!stoppingToken.IsCancellationRequested)
            {
                LogNotRead(BrokerConnection.Describe(failure, broker.Value));
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not read the silences from {Broker}; alerts wait until they are read, retrying in 5 s")]
    partial void LogNotRead(string broker);
}
