using Alerts.Consumer.Consumers;
using Alerts.Contracts;
using MassTransit;

namespace Alerts.Consumer.Endpoints;

/// <summary>
/// Checks each alert on a route's queue before any consumer sees it, one alert at a time, also where alerts are then
/// consumed in batches: a malformed alert is parked alone in the error queue, and the checked alert travels on as a payload.
/// </summary>
public sealed class ValidAlertFilter(int maxTextLength) : IFilter<ConsumeContext<Alert>>
{
    public Task Send(ConsumeContext<Alert> context, IPipe<ConsumeContext<Alert>> next)
    {
        context.GetOrAddPayload(() => RoutedAlert.From(context.Message, context.RoutingKey(), context.MessageId, maxTextLength));
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("validAlert");
}
