using System.Collections.Concurrent;
using MassTransit;

namespace Alerts.Tests.Support;

/// <summary>The critical route's error queues on the harness: each message MassTransit parked there, with the reason it recorded.</summary>
public sealed class ErrorQueues
{
    readonly ConcurrentQueue<Parked> _parked = new();

    public IReadOnlyCollection<Parked> All => _parked;

    public Task KeepAsync<T>(ConsumeContext<T> parked)
        where T : class
    {
        var queue = parked.ReceiveContext.InputAddress.AbsolutePath.TrimStart('/');
        _parked.Enqueue(new Parked(queue, parked.Message, parked.Headers.Get<string>("MT-Fault-ExceptionType"), parked.Headers.Get<string>("MT-Fault-Message"),
            parked.Headers.Get<string>(Consumer.Notifications.NotifiedReceivers.Header)));
        return Task.CompletedTask;
    }

    /// <summary>Waits until one message was parked, and fails the test if none is within <paramref name="timeout"/>.</summary>
    public async Task<Parked> WaitForOneAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_parked.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return Assert.Single(_parked);
    }

    /// <param name="Notified">The receivers that had the message's notification when it was parked.</param>
    public sealed record Parked(string Queue, object Message, string? ExceptionType, string? Reason, string? Notified = null);
}
