using Alerts.Consumer.Settings;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Consumer.Digests;

/// <summary>
/// Takes a route's tallies at the replica that mails its groups, and returns, so letting MassTransit acknowledge a
/// tally, only once a mail the server accepted or a confirmed carry-over accounts for it.
/// </summary>
public sealed class DigestConsumer(IOptions<AlertsOptions> options, GroupBooks books) : IConsumer<AlertTally>
{
    public async Task Consume(ConsumeContext<AlertTally> context)
    {
        var (routeName, route) = options.Value.RouteOfDigestQueue(context.ReceiveContext.InputAddress);
        var digestQueue = await context.GetSendEndpoint(new Uri($"exchange:{route.DigestQueue}"));
        await books.For(routeName).AddAsync(
            context.Message, carried => digestQueue.Send(carried, context.CancellationToken), context.CancellationToken);
    }
}
