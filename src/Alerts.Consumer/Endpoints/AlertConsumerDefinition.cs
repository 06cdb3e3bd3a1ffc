using Alerts.Consumer.Consumers;
using Alerts.Consumer.Settings;
using MailKit.Net.Smtp;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Endpoints;

/// <summary>How a failed alert is retried, wherever the consumer is attached (RabbitMQ or the test harness).</summary>
public sealed class AlertConsumerDefinition(IOptions<AlertsOptions> options) : ConsumerDefinition<AlertConsumer>
{
    readonly RetryOptions _retry = options.Value.Retry;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AlertConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Exponential(_retry.Limit, _retry.MinInterval, _retry.MaxInterval, _retry.MinInterval);
            // Retrying cannot fix a malformed alert, nor a mail the server refused for good (5xx).
            retry.Ignore<InvalidAlertException>();
            retry.Ignore<SmtpCommandException>(refused => (int)refused.StatusCode >= 500);
        });
    }
}
