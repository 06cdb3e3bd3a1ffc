using System.Diagnostics;
using System.Text.Json;
using Alerts.Contracts;
using Alerts.Contracts.History;
using Alerts.TestSupport;
using RabbitMQ.Client;

namespace Alerts.Benchmarks;

/// <summary>
/// The front door's read API on a history written as the consumers write it: what fires (10,000 alerts in 1,000 groups)
/// and a history of 1,000,000 events in the last hour, each read by a front door process started on it.
/// </summary>
public static class ReadApi
{
    const int Firing = 10_000, Groups = 1_000, HistoryEvents = 1_000_000, Alertnames = 1_000, Queries = 21;

    public static async Task RunAsync(BenchBroker broker, Results results)
    {
        var now = DateTimeOffset.UtcNow;
        await broker.ResetHistoryAsync();
        await WriteAsync(broker, Enumerable.Range(0, Firing).Select(i => Event(now, $"type_{i % Groups}", $"host-{i}")));
        await using (var frontDoor = await StartAsync(broker))
        {
            var (http, loaded) = frontDoor;
            var count = JsonDocument.Parse(await http.GetStringAsync("/api/v2/alerts")).RootElement.GetArrayLength();
            var groups = JsonDocument.Parse(await http.GetStringAsync("/api/v2/alerts/groups")).RootElement.GetArrayLength();
            if (count != Firing || groups != Groups)
            {
                throw new InvalidOperationException($"the front door lists {count} alerts in {groups} groups, not {Firing} in {Groups}");
            }

            var median = await MedianMillisecondsAsync(http, "/api/v2/alerts/groups");
            results.Add("read API", $"GET /api/v2/alerts/groups, {Firing:#,0} alerts in {Groups:#,0} groups, median ms", median,
                "Alertmanager's own issue 5001: 10,000 groups, ms", 116, frontDoor.Process.PeakMegabytes);
            results.Add("read API", $"GET /api/v2/alerts, {Firing:#,0} alerts, median ms", await MedianMillisecondsAsync(http, "/api/v2/alerts"));
            results.Add("read API", $"front door resident with {Firing:#,0} alerts firing, MB", frontDoor.Process.ResidentMegabytes);
            results.Add("read API", "front door start to answering, s", loaded.TotalSeconds);
        }

        await broker.ResetHistoryAsync();
        var hourAgo = now.AddHours(-1);
        await WriteAsync(broker, Enumerable.Range(0, HistoryEvents).Select(i =>
            Event(hourAgo.AddTicks(TimeSpan.FromHours(1).Ticks / HistoryEvents * i), $"type_{i % Alertnames}", $"host-{i % 5000}")));
        await using (var frontDoor = await StartAsync(broker))
        {
            var (http, loaded) = frontDoor;
            var since = Uri.EscapeDataString(hourAgo.ToString("O"));
            var found = JsonDocument.Parse(await http.GetStringAsync($"/api/history?filter=alertname%3D%22type_7%22&since={since}&limit=100"))
                .RootElement.GetProperty("events").GetArrayLength();
            if (found != 100)
            {
                throw new InvalidOperationException($"the history query found {found} events, not 100");
            }

            results.Add("history", $"{HistoryEvents:#,0} events in the last hour: one alertname's newest 100, median ms",
                await MedianMillisecondsAsync(http, $"/api/history?filter=alertname%3D%22type_7%22&since={since}&limit=100"),
                peakMegabytes: frontDoor.Process.PeakMegabytes);
            results.Add("history", "the same for an alertname with no events (the whole hour scanned), median ms",
                await MedianMillisecondsAsync(http, $"/api/history?filter=alertname%3D%22nowhere%22&since={since}&limit=100"));
            results.Add("history", $"front door resident with {HistoryEvents:#,0} events, MB", frontDoor.Process.ResidentMegabytes);
            results.Add("history", $"front door start to answering, {HistoryEvents:#,0} events read, s", loaded.TotalSeconds);
        }

        await broker.ResetHistoryAsync();
    }

    static AlertEvent Event(DateTimeOffset at, string type, string instance)
    {
        var key = RoutingKey.Parse($"critical.{type}");
        var labels = AlertLabels.Of(null, key, instance);
        return new AlertEvent(AlertEventKinds.Received, at, "critical", AlertLabels.Fingerprint(labels), labels,
            new Dictionary<string, string> { ["severity"] = "critical", ["type"] = type }, $"{type} on {instance}", RoutingKey: key.ToString(), Source: instance);
    }

    /// <summary>Appends the events as the consumers do (500 a message, persistent, confirmed), 100 messages in flight.</summary>
    static async Task WriteAsync(BenchBroker broker, IEnumerable<AlertEvent> events)
    {
        await using var channel = await broker.ChannelAsync(confirms: true);
        var properties = new BasicProperties { Type = AlertHistory.EventsType, ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
        foreach (var messages in events.Chunk(500).Chunk(100))
        {
            await Task.WhenAll(messages.Select(batch => channel.BasicPublishAsync(AlertHistory.Name, "", mandatory: false, properties,
                JsonSerializer.SerializeToUtf8Bytes(batch, AlertHistory.Json)).AsTask()));
        }
    }

    static async Task<RunningFrontDoor> StartAsync(BenchBroker broker)
    {
        var token = Guid.NewGuid().ToString("N");
        var address = new Uri($"http://127.0.0.1:{FreePort.OnLoopback()}");
        var watch = Stopwatch.StartNew();
        var process = ServiceProcess.FrontDoor(broker.Settings, address, token);
        var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        while (true)
        {
            try
            {
                using var answer = await http.GetAsync("/api/v2/receivers");
                if (answer.IsSuccessStatusCode)
                {
                    return new RunningFrontDoor(process, http, watch.Elapsed);
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            if (watch.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException("the front door did not answer within 5 minutes");
            }

            await Task.Delay(100);
        }
    }

    static async Task<double> MedianMillisecondsAsync(HttpClient http, string path)
    {
        var times = new List<double>();
        for (var query = 0; query < Queries; query++)
        {
            var watch = Stopwatch.StartNew();
            using var answer = await http.GetAsync(path);
            await answer.Content.ReadAsByteArrayAsync();
            answer.EnsureSuccessStatusCode();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        return times.Order().ElementAt(times.Count / 2);
    }

    sealed record RunningFrontDoor(ServiceProcess Process, HttpClient Http, TimeSpan Loaded) : IAsyncDisposable
    {
        public void Deconstruct(out HttpClient http, out TimeSpan loaded) => (http, loaded) = (Http, Loaded);

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Process.DisposeAsync();
        }
    }
}
