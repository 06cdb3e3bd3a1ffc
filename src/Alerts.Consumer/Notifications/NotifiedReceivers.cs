using MassTransit;

namespace Alerts.Consumer.Notifications;

/// <summary>
/// The receivers that already have a notification, kept with its delivery across MassTransit's retries, written on the
/// message when it is parked (<see cref="Header"/>) and read again when <c>replay</c> brings it back: a webhook that was
/// down is retried without mailing the team again.
/// </summary>
public sealed class NotifiedReceivers
{
    public const string Header = "Alerts-Notified";

    readonly Lock _lock = new();
    readonly HashSet<string> _names;

    NotifiedReceivers(string? header) =>
        _names = new HashSet<string>(header?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [], StringComparer.Ordinal);

    /// <summary>The receivers still owed the notification after its last attempt: counted per receiver when it is parked.</summary>
    public IReadOnlyList<string> Owed { get; set; } = [];

    public static NotifiedReceivers Of(ReceiveContext delivery) =>
        delivery.GetOrAddPayload(() => new NotifiedReceivers(delivery.TransportHeaders.Get<string>(Header)));

    /// <summary>For a notification that came with no delivery of its own (in-process), with nobody notified yet.</summary>
    public static NotifiedReceivers None() => new(null);

    public bool Contains(string receiver)
    {
        lock (_lock)
        {
            return _names.Contains(receiver);
        }
    }

    public void Add(string receiver)
    {
        lock (_lock)
        {
            _names.Add(receiver);
        }
    }

    public override string ToString()
    {
        lock (_lock)
        {
            return string.Join(',', _names.Order(StringComparer.Ordinal));
        }
    }

    /// <summary>Writes who already has the notification on the copy MassTransit parks, for <c>replay</c> to skip them.</summary>
    public sealed class ParkedHeaderFilter : IFilter<ExceptionReceiveContext>
    {
        public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
        {
            if (context.TryGetPayload<NotifiedReceivers>(out var notified) && notified.ToString() is { Length: > 0 } names)
            {
                context.ExceptionHeaders.Set(Header, names);
            }

            return next.Send(context);
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("notifiedReceivers");
    }
}
