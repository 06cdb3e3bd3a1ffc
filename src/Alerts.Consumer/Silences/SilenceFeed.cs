using Alerts.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Silences;

/// <summary>
/// Keeps this replica's <see cref="SilenceBook"/> up to date: reads every silence from the broker's stream at start, then
/// each new one as it is written (within milliseconds), and again from the start after the connection recovers.
/// </summary>
public sealed partial class SilenceFeed(
    SilenceBook book, IOptions<RabbitMqOptions> broker, ILogger<SilenceFeed> logger) : BackgroundService
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
                await SilenceStore.FollowAsync(channel, book.Apply, book.MarkLoaded, stoppingToken);
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
