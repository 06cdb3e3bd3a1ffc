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

public sealed class When_several_alerts_travel_as_one_message
{
    [Fact]
    public void Should_write_a_bare_array_that_reads_back_alert_for_alert()
    {
        var key = RoutingKey.Parse("critical.db");
        var alerts = Enumerable.Range(0, 3).Select(i => Alert.Create(key, $"alert {i}", "db-1", DateTimeOffset.UnixEpoch)).ToList();

        var body = JsonSerializer.SerializeToUtf8Bytes(new AlertBatch(key, alerts));

        Assert.True(AlertBatch.IsBatch(body));
        Assert.StartsWith("[{\"id\":", System.Text.Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        Assert.Equal(alerts, AlertBatch.Read(body));
    }

    [Theory]
    [InlineData("""{"text":"one"}""", false)]
    [InlineData("\"the book's bare string\"", false)]
    [InlineData(" \r\n [{\"text\":\"one\"}]", true)]
    [InlineData("", false)]
    public void Should_tell_a_batch_from_one_alert_by_its_first_character(string body, bool batch) =>
        Assert.Equal(batch, AlertBatch.IsBatch(System.Text.Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData("""[{"text":"one"},{"severity":"urgent","text":"two"}]""", "urgent")]
    [InlineData("[1,2]", "not Number")]
    [InlineData("""[{"text":"one"},null]""", "not Null")]
    [InlineData("""["the book's bare string","travels alone"]""", "not String")]
    [InlineData("""[{"text":"one"}""", "")]
    [InlineData("""[{"text":"one"}] [{"text":"two"}]""", "")]
    public void Should_refuse_a_batch_with_an_alert_it_cannot_read(string body, string reason) =>
        Assert.Contains(reason, Assert.ThrowsAny<JsonException>(() => AlertBatch.Read(System.Text.Encoding.UTF8.GetBytes(body))).Message, StringComparison.Ordinal);

    [Fact]
    public void Should_group_alerts_by_routing_key_in_messages_of_at_most_one_hundred()
    {
        var storm = RoutingKey.Parse("critical.db");
        var lone = RoutingKey.Parse("info.backup");
        var alerts = Enumerable.Range(0, 201).Select(i => Alert.Create(storm, $"{i}", null, DateTimeOffset.UnixEpoch))
            .Append(Alert.Create(lone, "done", null, DateTimeOffset.UnixEpoch)).ToList();

        var messages = AlertBatch.Messages(alerts).ToList();

        Assert.Equal([100, 100], messages.OfType<AlertBatch>().Select(batch => batch.Alerts.Count));
        Assert.Equal([alerts[200], alerts[201]], messages.OfType<Alert>());
        Assert.Equal(alerts.Take(200), messages.OfType<AlertBatch>().SelectMany(batch => batch.Alerts));
    }

    [Fact]
    public void Should_close_a_batch_of_long_texts_well_below_the_brokers_message_limit()
    {
        var key = RoutingKey.Parse("critical.crash");
        var stackTrace = new string('x', 64 * 1024); // the consumers' longest text by default
        var alerts = Enumerable.Range(0, 40).Select(i => Alert.Create(key, stackTrace, $"host-{i}", DateTimeOffset.UnixEpoch)).ToList();

        var batches = AlertBatch.Messages(alerts).Cast<AlertBatch>().ToList();

        Assert.Equal(alerts, batches.SelectMany(batch => batch.Alerts));
        Assert.All(batches, batch => Assert.InRange(JsonSerializer.SerializeToUtf8Bytes(batch).Length, 1, AlertBatch.MaxBytes));
        Assert.Equal(8, batches.Count); // five 64 KiB texts, at three bytes a character at worst, fit in a MiB
    }
}
