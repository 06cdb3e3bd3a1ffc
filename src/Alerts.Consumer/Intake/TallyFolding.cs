using System.Text.Json;
using System.Text.Json.Serialization;
using Alerts.Consumer.Admission;
using Alerts.Consumer.Aggregation;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Telemetry;
using Alerts.Contracts;
using MassTransit;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Alerts.Consumer.Intake;

/// <summary>
/// What the grouping intake does with each delivery and each batch. Every alert passes admission as it is delivered,
/// while the batch before is folded; a batch's admitted alerts become one tally per group, sent to the route's digest
/// queue with publisher confirms; a malformed alert is parked alone in the route's error queue, as MassTransit parks one.
/// </summary>
public sealed class TallyFolding(AlertAdmission admission, ParkedMessages parked, TimeProvider time)
{
    static readonly JsonSerializerOptions TallyJson = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    // The digest queue also carries notifications: the type header sends each message to its own consumer.
    static readonly string TallyType = MessageUrn.ForTypeString<AlertTally>();

    public Task Ready => admission.Ready;

    /// <summary>
    /// Admits a delivery's alerts (one, or an <see cref="AlertBatch"/>'s) on the client's dispatch thread, while its body is
    /// still there; keeps a copy of what cannot be read, to park: the whole body, or the one alert of a batch that is invalid.
    /// </summary>
    public CheckedDelivery Check(Route route, BasicDeliverEventArgs delivery)
    {
        var properties = delivery.BasicProperties;
        var publisher = AlertTracing.PublisherOf(properties.Headers);
        try
        {
            if (!AlertBatch.IsBatch(delivery.Body.Span))
            {
                var alert = AlertAdmission.Decode(properties.ContentType, delivery.Body);
                var messageId = Guid.TryParse(properties.MessageId, out var id) ? id : (Guid?)null;
                return new CheckedDelivery(delivery.DeliveryTag,
                    admission.Admit(route, alert, delivery.RoutingKey, messageId, publisher: publisher) is { } admitted ? [admitted] : [], []);
            }

            var batch = AlertBatch.Read(delivery.Body.Span);
            var alerts = new List<AdmittedAlert>(batch.Count);
            var invalid = new List<Unreadable>();
            foreach (var alert in batch)
            {
                try
                {
                    if (admission.Admit(route, alert, delivery.RoutingKey, messageId: null, publisher: publisher) is { } admitted)
                    {
                        alerts.Add(admitted);
                    }
                }
                catch (InvalidAlertException reason)
                {
                    invalid.Add(new Unreadable(delivery.RoutingKey, properties, JsonSerializer.SerializeToUtf8Bytes(alert), reason));
                }
            }

            return new CheckedDelivery(delivery.DeliveryTag, alerts, invalid);
        }
        catch (Exception unreadable) when (unreadable is InvalidAlertException or JsonException)
        {
            return new CheckedDelivery(delivery.DeliveryTag, [], [new Unreadable(delivery.RoutingKey, properties, delivery.Body.ToArray(), unreadable)]);
        }
    }

    /// <summary>Folds a batch and sends its tallies (and parks what it must); completes once the broker confirmed them all.</summary>
    public Task FoldAsync(IChannel channel, Route route, List<CheckedDelivery> batch, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var tallies = new Dictionary<string, AlertTally>(StringComparer.Ordinal);
        var sends = new List<Task>();
        foreach (var delivery in batch)
        {
            sends.AddRange(delivery.Unreadable.Select(unreadable => ParkAsync(channel, route, unreadable, cancellationToken)));
            foreach (var alert in delivery.Alerts)
            {
                if (!tallies.TryGetValue(alert.Group, out var tally))
                {
                    tallies[alert.Group] = tally = new AlertTally { Group = alert.Group, First = WholeAlert.From(alert), Resolved = alert.Resolved };
                }

                tally.Add(alert, alert.OccurredAt ?? now, route.Options.ListedAlerts);
            }
        }

        var properties = new BasicProperties
        {
            ContentType = "application/json",
            DeliveryMode = DeliveryModes.Persistent,
            Headers = new Dictionary<string, object?> { [MessageHeaders.MessageType] = TallyType },
        };
        sends.AddRange(tallies.Values.Select(tally => channel.BasicPublishAsync(
            route.Topology.DigestQueue, "", mandatory: true, properties, JsonSerializer.SerializeToUtf8Bytes(tally, TallyJson), cancellationToken).AsTask()));
        return Task.WhenAll(sends);
    }

    /// <summary>Into the route's error queue, where replay finds it, with the headers MassTransit would add.</summary>
    async Task ParkAsync(IChannel channel, Route route, Unreadable unreadable, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, object?>(unreadable.Properties.Headers ?? new Dictionary<string, object?>());
        foreach (var (name, value) in parked.FaultHeaders(unreadable.Reason))
        {
            headers[name] = value;
        }

        await channel.BasicPublishAsync(route.Topology.ErrorQueue, unreadable.RoutingKey, mandatory: true,
            new BasicProperties(unreadable.Properties) { Headers = headers }, unreadable.Body, cancellationToken);
        parked.Parked(route.Name, route.Topology.Queue, unreadable.Properties.MessageId, unreadable.Reason);
    }
}

/// <summary>A delivery past admission: the alerts admitted (not those the route drops), and each body that could not be read and why.</summary>
public sealed record CheckedDelivery(ulong DeliveryTag, IReadOnlyList<AdmittedAlert> Alerts, IReadOnlyList<Unreadable> Unreadable);

public sealed record Unreadable(string RoutingKey, IReadOnlyBasicProperties Properties, byte[] Body, Exception Reason);
