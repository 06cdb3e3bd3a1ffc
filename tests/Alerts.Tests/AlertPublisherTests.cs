using Alerts.Contracts;
using Alerts.Producer;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Tests;

public sealed class When_an_application_publishes_an_alert
{
    static ServiceProvider Provider() =>
        new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddScoped<AlertPublisher>()
            .AddMassTransitTestHarness()
            .BuildServiceProvider(true);

    [Fact]
    public async Task Should_publish_one_complete_alert()
    {
        await using var provider = Provider();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        await using var scope = provider.CreateAsyncScope();

        var sent = await scope.ServiceProvider.GetRequiredService<AlertPublisher>()
            .PublishAsync(RoutingKey.Parse("critical.rate_limit"), "Hacker at 10k req/s", "api-gateway");

        var published = Assert.Single(harness.Published.Select<Alert>()).Context.Message;
        Assert.Equal(sent, published);
        Assert.NotNull(published.Id);
        Assert.Equal(RoutingKey.Parse("critical.rate_limit"), published.RoutingKey);
        Assert.Equal("api-gateway", published.Source);
        Assert.NotNull(published.OccurredAt);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Should_refuse_an_empty_text_and_publish_nothing(string text)
    {
        await using var provider = Provider();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        await using var scope = provider.CreateAsyncScope();

        await Assert.ThrowsAsync<ArgumentException>(() =>
            scope.ServiceProvider.GetRequiredService<AlertPublisher>().PublishAsync(RoutingKey.Parse("info.x"), text));

        Assert.False(await harness.Published.Any<Alert>());
    }
}

public sealed class When_a_bulk_sender_publishes_many_alerts
{
    [Fact]
    public async Task Should_send_alerts_of_one_key_together_each_once_and_return_them_in_order()
    {
        await using var provider = new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddScoped<AlertPublisher>()
            .AddMassTransitTestHarness()
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        await using var scope = provider.CreateAsyncScope();
        var storm = RoutingKey.Parse("warning.rate_limit");
        var lone = RoutingKey.Parse("critical.db");

        var sent = await scope.ServiceProvider.GetRequiredService<AlertPublisher>()
            .PublishManyAsync(Enumerable.Range(0, 250).Select(i => (i == 7 ? lone : storm, $"alert {i}")), maxInFlight: 16);

        Assert.Equal(Enumerable.Range(0, 250).Select(i => $"alert {i}"), sent.Select(alert => alert.Text));
        Assert.Equal(250, sent.Select(alert => alert.Id).Distinct().Count());
        var batches = harness.Published.Select<AlertBatch>().Select(published => published.Context.Message).ToList();
        Assert.All(batches, batch => Assert.Equal(storm, batch.RoutingKey));
        Assert.All(batches, batch => Assert.All(batch.Alerts, alert => Assert.Equal(storm, alert.RoutingKey)));
        Assert.Equal([100, 100, 49], batches.Select(batch => batch.Alerts.Count).Order().Reverse());
        Assert.Equal(sent.Where(alert => alert.RoutingKey == storm).Select(alert => alert.Id).Order(),
            batches.SelectMany(batch => batch.Alerts).Select(alert => alert.Id).Order());
        Assert.Equal(sent[7], Assert.Single(harness.Published.Select<Alert>()).Context.Message);
    }
}
