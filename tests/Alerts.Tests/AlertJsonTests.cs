using System.Text.Json;
using Alerts.Contracts;

namespace Alerts.Tests;

public sealed class When_an_alert_crosses_the_wire
{
    [Fact]
    public void Should_write_the_plain_camel_case_object_of_the_wire_agreement()
    {
        var alert = Alert.Create(RoutingKey.Parse("critical.rate_limit"), "Hacker at 10k req/s", "api-gateway",
            new DateTimeOffset(2026, 11, 24, 18, 0, 0, TimeSpan.Zero));

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(alert));
        var root = json.RootElement;

        Assert.Equal(alert.Id, root.GetProperty("id").GetGuid());
        Assert.Equal("critical", root.GetProperty("severity").GetString());
        Assert.Equal("rate_limit", root.GetProperty("type").GetString());
        Assert.Equal("Hacker at 10k req/s", root.GetProperty("text").GetString());
        Assert.Equal("api-gateway", root.GetProperty("source").GetString());
        Assert.Equal("2026-11-24T18:00:00+00:00", root.GetProperty("occurredAt").GetString());
        Assert.Equal(6, root.EnumerateObject().Count());
    }

    [Fact]
    public void Should_read_the_object_a_client_in_another_language_sends()
    {
        var alert = JsonSerializer.Deserialize<Alert>("""
            {"id":"5b8a1c9e-8d2f-4f7e-9a51-3c2d1e0f9a8b","severity":"warning","type":"rate_limit",
             "text":"slow down","source":"python","occurredAt":"2026-11-24T18:00:00Z"}
            """)!;

        Assert.Equal(Guid.Parse("5b8a1c9e-8d2f-4f7e-9a51-3c2d1e0f9a8b"), alert.Id);
        Assert.Equal(RoutingKey.Parse("warning.rate_limit"), alert.RoutingKey);
        Assert.Equal("slow down", alert.Text);
        Assert.Equal("python", alert.Source);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 18, 0, 0, TimeSpan.Zero), alert.OccurredAt);
    }

    [Fact]
    public void Should_read_the_books_bare_string_as_the_text()
    {
        var alert = JsonSerializer.Deserialize<Alert>("\"Hacker at 10k req/s\"")!;

        Assert.Equal("Hacker at 10k req/s", alert.Text);
        Assert.Null(alert.Severity);
        Assert.Null(alert.RoutingKey);
    }

    [Theory]
    [InlineData("""{"severity":"urgent","type":"x","text":"t"}""", "severity 'urgent'")]
    [InlineData("42", "not Number")]
    [InlineData("[\"a\"]", "not StartArray")]
    public void Should_refuse_what_is_not_an_alert(string body, string reason)
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Alert>(body));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
