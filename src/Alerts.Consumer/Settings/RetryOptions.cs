using System.ComponentModel.DataAnnotations;

namespace Alerts.Consumer.Settings;

/// <summary>
/// How a notification that failed (one alert's mail, or a group's digest) is retried before it is parked in its queue's
/// error queue: by default 10 retries, 1 s doubling up to 60 s, about five minutes in all, so a mail server restart or a
/// short outage heals without an operator. Retries happen in the consumer while the message stays unacknowledged on the
/// broker, so a crash mid-retry hands it back to its queue; Debian's broker lacks the delayed-message plugin that
/// MassTransit's delayed redelivery would need.
/// </summary>
public sealed class RetryOptions
{
    [Range(0, 100, ErrorMessage = "Alerts:Retry:Limit must be between 0 and 100")]
    public int Limit { get; set; } = 10;

    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxInterval { get; set; } = TimeSpan.FromSeconds(60);
}
