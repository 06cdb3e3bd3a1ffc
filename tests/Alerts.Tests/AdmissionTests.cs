using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Alerts.Consumer.Admission;
using Alerts.Consumer.History;
using Alerts.Consumer.Settings;
using Alerts.Consumer.Silences;
using Alerts.Consumer.Telemetry;
using Alerts.Contracts;
using Alerts.Contracts.Silences;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Alerts.Tests;

/// <summary>Admission, the one way into a route for both readers: what it reads, what it refuses, what it drops.</summary>
public sealed class When_an_alert_is_admitted : IDisposable
{
    readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    readonly SilenceBook _silences;
    readonly AlertAdmission _admission;
    readonly HistoryRecorder _history;

    public When_an_alert_is_admitted()
    {
        var metrics = new AlertMetrics(_services.GetRequiredService<IMeterFactory>(), TimeProvider.System);
        _silences = new SilenceBook(TimeProvider.System, metrics, NullLogger<SilenceBook>.Instance);
        _history = new HistoryRecorder(TimeProvider.System, metrics);
        _admission = new AlertAdmission(Options.Create(new AlertsOptions { MaxTextLength = 100 }), _silences, _history, metrics);
    }

    public void Dispose() => _services.Dispose();

    static Route Critical(bool sendResolved = true) => new("critical",
        new RouteOptions { Queue = "critical", To = ["ops@example.com"], Subject = "CRITICAL ALERT", SendResolved = sendResolved },
        new RouteTopology("critical", ["critical.*"]));

    static ReadOnlyMemory<byte> Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Theory]
    [InlineData("application/json", """{"text":"database down","source":"db-1"}""")]
    [InlineData(null, """{"text":"database down","source":"db-1"}""")]
    [InlineData("text/plain", "\"database down\"")] // the book's bare string
    [InlineData("application/vnd.masstransit+json", """{"messageId":"x","message":{"text":"database down","source":"db-1"}}""")]
    public void Should_read_every_form_of_the_wire_agreement(string? contentType, string body)
    {
        var admitted = _admission.Admit(Critical(), AlertAdmission.Decode(contentType, Utf8(body)), "critical.db_down", messageId: null);

        Assert.NotNull(admitted);
        Assert.Equal("database down", admitted.Text);
        Assert.Equal("critical.db_down", admitted.RoutingKey.ToString());
        Assert.StartsWith("{severity=\"critical\", type=\"db_down\", source=", admitted.Group, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/xml", "<alert/>", typeof(InvalidAlertException))]
    [InlineData("application/json", "null", typeof(InvalidAlertException))]
    [InlineData("application/json", "Hacker at 10k req/s", typeof(JsonException))]
    [InlineData("application/json", """{"severity":"urgent","text":"x"}""", typeof(JsonException))]
    public void Should_refuse_what_is_not_an_alert(string contentType, string body, Type refusal)
    {
        var refused = Record.Exception(() => AlertAdmission.Decode(contentType, Utf8(body)));

        Assert.IsAssignableFrom(refusal, refused);
    }

    [Theory]
    [InlineData("critical.db", "", "the alert has no text")]
    [InlineData("critical.db", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "at most 100")]
    [InlineData("urgent.db", "database down", "expected info, warning or critical")]
    public void Should_refuse_an_alert_that_can_never_be_notified(string routingKey, string text, string reason)
    {
        var refused = Assert.Throws<InvalidAlertException>(() => _admission.Admit(Critical(), new Alert { Text = text }, routingKey, messageId: null));

        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_drop_a_resolution_the_route_does_not_send_and_keep_it_in_a_group_of_its_own()
    {
        var resolution = new Alert { Text = "database up", Resolved = true };

        Assert.Null(_admission.Admit(Critical(sendResolved: false), resolution, "critical.db", messageId: null));
        Assert.EndsWith(", resolved=\"true\"}", _admission.Admit(Critical(), resolution, "critical.db", messageId: null)!.Group, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_drop_what_an_active_silence_mutes()
    {
        Assert.True(Matcher.TryParse("alertname=db", out var matchers, out _));
        var now = DateTimeOffset.UtcNow;
        _silences.Apply(new Silence(Guid.NewGuid(), matchers, now.AddMinutes(-1), now.AddHours(1), "on-call", "maintenance"));

        Assert.Null(_admission.Admit(Critical(), new Alert { Text = "database down" }, "critical.db", messageId: null));
        Assert.NotNull(_admission.Admit(Critical(), new Alert { Text = "disk full" }, "critical.disk", messageId: null));
    }
}
