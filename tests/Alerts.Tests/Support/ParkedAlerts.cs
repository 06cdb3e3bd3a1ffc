using System.Collections.Concurrent;
using Alerts.Contracts;
using MassTransit;

namespace Alerts.Tests.Support;

/// <summary>The critical route's error queue on the harness: each alert MassTransit moved there, with the reason it recorded.</summary>
public sealed class ParkedAlerts
{
    readonly ConcurrentQueue<(Alert Alert, string? ExceptionType, string? Reason)> _parked = new();

    public IReadOnlyCollection<(Alert Alert, string? ExceptionType, string? Reason)> All => _parked;

    public Task KeepAsync(ConsumeContext<Alert> parked)
    {
        _parked.Enqueue((parked.Message, parked.Headers.Get<string>("MT-Fault-ExceptionType"), parked.Headers.Get<string>("MT-Fault-Message")));
        return Task.CompletedTask;
    }

    /// <summary>Waits until one alert was parked, and fails the test if none is within <paramref name="timeout"/>.</summary>
    public async Task<(Alert Alert, string? ExceptionType, string? Reason)> WaitForOneAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_parked.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return Assert.Single(_parked);
    }
}
