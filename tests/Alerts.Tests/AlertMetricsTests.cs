using System.Diagnostics.Metrics;
using Alerts.Consumer.Telemetry;
using Alerts.Contracts;
using Alerts.Tests.Support;
using Alerts.TestSupport;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SmtpServer.Protocol;

namespace Alerts.Tests;

public sealed class When_an_operator_watches_a_route : IAsyncLifetime
{
    SmtpSink _sink = null!;

    public async Task InitializeAsync() => _sink = await SmtpSink.StartAsync();

    public async Task DisposeAsync() => await _sink.DisposeAsync();

    static Alert Critical(string text, DateTimeOffset? occurredAt = null) =>
        Alert.Create(RoutingKey.Parse("critical.db"), text, "db-monitor", occurredAt ?? DateTimeOffset.UtcNow);

    static MetricCollector<T> Collect<T>(IServiceProvider provider, string instrument)
        where T : struct =>
        new(provider.GetRequiredService<IMeterFactory>(), AlertMetrics.MeterName, instrument);

    static long Sum(MetricCollector<long> collector, string route) =>
        collector.GetMeasurementSnapshot().Where(measurement => Equals(measurement.Tags["route"], route)).Sum(measurement => measurement.Value);

    [Fact]
    public async Task Should_count_each_alert_received_and_mailed_with_its_send_time_and_age()
    {
        await using var provider = await ConsumerHarness.StartAsync(_sink);
        using var received = Collect<long>(provider, "alerts.received");
        using var mailed = Collect<long>(provider, "alerts.mailed");
        using var duration = Collect<double>(provider, "alerts.mail.duration");
        using var lag = Collect<double>(provider, "alerts.queue.lag");
        var harness = provider.GetRequiredService<ITestHarness>();

        await harness.SendToCriticalAsync(Critical("database down", DateTimeOffset.UtcNow.AddMinutes(-2)));
        await harness.SendToCriticalAsync(Critical("database still down"));
        await _sink.WaitForAsync(2, TimeSpan.FromSeconds(10));
        await mailed.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(10));

        Assert.Equal(2, Sum(received, "critical"));
        Assert.Equal(2, Sum(mailed, "critical"));
        Assert.All(duration.GetMeasurementSnapshot(), send => Assert.Equal("accepted", send.Tags["outcome"]));
        Assert.Equal(2, duration.GetMeasurementSnapshot().Count);
        var ages = lag.GetMeasurementSnapshot().Select(measurement => measurement.Value).Order().ToList();
        Assert.Equal(2, ages.Count);
        Assert.InRange(ages[0], 0, 60);
        Assert.InRange(ages[1], 119, 180);
    }

    [Fact]
    public async Task Should_count_retries_apart_from_alerts_received()
    {
        _sink.RefuseWith = (SmtpReplyCode)451;
        await using var provider = await ConsumerHarness.StartAsync(_sink);
        using var received = Collect<long>(provider, "alerts.received");
        using var retried = Collect<long>(provider, "alerts.retried");
        using var parked = Collect<long>(provider, "alerts.parked");
        using var duration = Collect<double>(provider, "alerts.mail.duration");
        var harness = provider.GetRequiredService<ITestHarness>();

        await harness.SendToCriticalAsync(Critical("database down"));
        await parked.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(10));

        Assert.Equal(1, Sum(received, "critical"));
        Assert.Equal(2, Sum(retried, "critical")); // Alerts:Retry:Limit = 2 in the test settings
        Assert.Equal(1, Sum(parked, "critical"));
        Assert.Equal(3, duration.GetMeasurementSnapshot().Count(send => Equals(send.Tags["outcome"], "failed")));
    }

    [Fact]
    public async Task Should_count_a_malformed_alert_as_parked_at_once()
    {
        await using var provider = await ConsumerHarness.StartAsync(_sink);
        using var parked = Collect<long>(provider, "alerts.parked");
        using var retried = Collect<long>(provider, "alerts.retried");
        using var mailed = Collect<long>(provider, "alerts.mailed");
        var harness = provider.GetRequiredService<ITestHarness>();

        await harness.SendToCriticalAsync(new Alert { Severity = Severity.Critical, Type = "db", Text = " " });
        await parked.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(10));

        Assert.Equal(1, Sum(parked, "critical"));
        Assert.Equal(0, Sum(retried, "critical"));
        Assert.Empty(mailed.GetMeasurementSnapshot());
        await provider.GetRequiredService<ErrorQueues>().WaitForOneAsync(TimeSpan.FromSeconds(10)); // the metric counts what the error queue holds
    }
}
