using Alerts.Contracts;

namespace Alerts.Consumer.Settings;

/// <summary>A route by its name in <c>Alerts:Routes</c>, with its settings and its queues.</summary>
public sealed record Route(string Name, RouteOptions Options, RouteTopology Topology);
