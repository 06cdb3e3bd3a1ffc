using Alerts.Consumer.Digests;
using Alerts.Consumer.Settings;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Endpoints;

/// <summary>How a grouping route's alerts are batched for folding, and how a batch whose tallies were not confirmed is retried.</summary>
public sealed class AlertFolderDefinition(IOptions<AlertsOptions> options) : ConsumerDefinition<AlertFolder>
{
    /// <summary>Alerts folded at once: a batch ends at this many, or 100 ms after its first alert.</summary>
    public const int BatchSize = 1000;

    readonly RetryOptions _retry = options.Value.Retry;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AlertFolder> consumerConfigurator,
        IRegistrationContext context)
    {
        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(BatchSize)
            .SetTimeLimit(TimeSpan.FromMilliseconds(100))
            .SetConcurrencyLimit(2));
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Exponential(_retry.Limit, _retry.MinInterval, _retry.MaxInterval, _retry.MinInterval);
            retry.Ignore<Consumers.InvalidAlertException>();
        });
    }
}
