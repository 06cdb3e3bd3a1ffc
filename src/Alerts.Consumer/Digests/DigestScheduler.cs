namespace Alerts.Consumer.Digests;

/// <summary>Mails the groups that are due, ten times a second.</summary>
public sealed class DigestScheduler(GroupBooks books, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var book in books.All)
            {
                await book.MailDueAsync(stoppingToken);
            }
        }
    }
}
