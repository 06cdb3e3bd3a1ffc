using System.Collections.Concurrent;
using System.Diagnostics;
using Alerts.Benchmarks;
using Alerts.Consumer.Settings;
using Alerts.Contracts;
using Alerts.Producer;
using Alerts.TestSupport;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Measures the pipeline beside plain RabbitMQ.Client and MailKit on the same broker, in the same run, and prints
// one table per scenario. Run it through ./scripts/bench.sh, which starts the broker. Argument: alerts per run.
var alerts = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
var patience = TimeSpan.FromMinutes(5);
var defaults = new AlertsOptions();
await using var broker = BenchBroker.FromEnvironment();
await using var sink = await SmtpSink.StartAsync();
sink.KeepMessages = false;
var results = new Results();
Console.WriteLine($"{alerts} alerts per run, broker at {broker.Settings["RabbitMq__Host"]}:{broker.Settings["RabbitMq__Port"]}, {Environment.ProcessorCount} cores");

// 1. Publish, confirmed and persistent, into a quorum queue bound to every key.
Console.WriteLine("publish…");
double bulkPublish;
await broker.ResetAsync();
var plainPublish = alerts / (await broker.PublishPlainAsync("critical.bench", alerts, inFlight: 1000)).TotalSeconds;
using (var producer = await StartProducerAsync(broker))
{
    await using var scope = producer.Services.CreateAsyncScope();
    var publisher = scope.ServiceProvider.GetRequiredService<AlertPublisher>();
    var key = RoutingKey.Parse("critical.bench");
    await publisher.PublishManyAsync(Enumerable.Range(0, 2000).Select(i => (key, "warm-up"))); // past tiered compilation

    await broker.ResetAsync();
    var watch = Stopwatch.StartNew();
    await publisher.PublishManyAsync(Enumerable.Range(0, alerts).Select(i => (key, $"Benchmark alert {i}")));
    var bulk = bulkPublish = alerts / watch.Elapsed.TotalSeconds;

    await broker.ResetAsync();
    var single = alerts / 5;
    watch.Restart();
    for (var i = 0; i < single; i++)
    {
        await publisher.PublishAsync(key, $"Benchmark alert {i}");
    }

    var oneAtATime = single / watch.Elapsed.TotalSeconds;

    // How a web app calls it: many requests at once, each awaiting its own alert's confirmation.
    await broker.ResetAsync();
    watch.Restart();
    await Parallel.ForEachAsync(Enumerable.Range(0, alerts), new ParallelOptions { MaxDegreeOfParallelism = 100 },
        async (i, token) => await publisher.PublishAsync(key, $"Benchmark alert {i}", cancellationToken: token));
    var concurrentCallers = alerts / watch.Elapsed.TotalSeconds;

    // The same, with as many in flight as the plain client: what a message per alert costs through MassTransit.
    await broker.ResetAsync();
    watch.Restart();
    await Parallel.ForEachAsync(Enumerable.Range(0, alerts), new ParallelOptions { MaxDegreeOfParallelism = 1000 },
        async (i, token) => await publisher.PublishAsync(key, $"Benchmark alert {i}", cancellationToken: token));
    var messagePerAlert = alerts / watch.Elapsed.TotalSeconds;
    await broker.ResetAsync();
    var python = await BookProducer.RateAsync(broker.Settings, alerts / 10);
    results.Add("publish (alerts/s)", $"producer bulk path (PublishManyAsync: {AlertBatch.MaxAlerts} alerts a message, 100 in flight)", bulk,
        "plain RabbitMQ.Client 7, a message per alert, 1000 in flight", plainPublish);
    results.Add("publish (alerts/s)", "producer API, a message per alert, 1000 concurrent callers", messagePerAlert,
        "plain RabbitMQ.Client 7, a message per alert, 1000 in flight", plainPublish);
    results.Goal("producer bulk path, of plain RabbitMQ.Client with confirms", bulk / plainPublish, ">= 0.8", bulk / plainPublish >= 0.8);
    results.Add("publish (alerts/s)", "producer API, one caller, each awaited", oneAtATime, "the book's Python producer (pika), confirmed", python);
    results.Add("publish (alerts/s)", "producer API, 100 concurrent callers", concurrentCallers, "the book's Python producer (pika), confirmed", python);
}

// 2. End to end through the consumer process with its defaults, into a sink that answers at once.
Console.WriteLine("end to end…");
await broker.ResetAsync();
double consumerIdle;
double consumerPeak;
double drainRate;
await using (var consumer = ServiceProcess.Consumer(broker.Settings, sink.Port))
{
    await WaitForConsumersAsync(broker, 1);
    consumerIdle = consumer.ResidentMegabytes;

    var publishedAt = new ConcurrentDictionary<Guid, DateTimeOffset>();
    await broker.PublishPlainAsync("critical.bench", alerts, inFlight: 1000, publishedAt);
    await sink.WaitForAsync(alerts, patience);
    drainRate = RateBetweenFirstAndLast(sink);
    var (saturatedP50, saturatedP99) = Latency(sink, publishedAt);
    consumerPeak = consumer.PeakMegabytes;

    sink.Forget();
    publishedAt.Clear();
    var halfLoad = drainRate / 2;
    var steadyCount = (int)Math.Min(alerts, halfLoad * 10);
    await broker.PublishSteadilyAsync("critical.bench", steadyCount, halfLoad, publishedAt);
    await sink.WaitForAsync(steadyCount, patience);
    var (steadyP50, steadyP99) = Latency(sink, publishedAt);
    sink.Forget();

    results.Add("end to end", "consumer process at saturation, alerts/s", drainRate, peakMegabytes: consumerPeak);
    results.Add("end to end", "latency at saturation, p50 ms", saturatedP50);
    results.Add("end to end", "latency at saturation, p99 ms", saturatedP99);
    results.Add("end to end", $"latency at half of saturation ({halfLoad:0}/s), p50 ms", steadyP50);
    results.Add("end to end", $"latency at half of saturation ({halfLoad:0}/s), p99 ms", steadyP99);
}

// The drain, in 3 alternating rounds (median): each side drains a filled queue of warm-up + measured alerts, and is timed
// over the measured ones alone, past its start-up, as a consumer that runs for days would be. The plain loop runs in this
// process; the consumer is a fresh process each round, and its first alerts are a row of their own. The warm-up is as
// long as the measure: a fresh consumer's JIT recompiles 200 to 300 methods a second (tier 1) until 10 to 12 s after its
// start, 15,000 to 25,000 alerts into a drain (dotnet-counters), so a shorter one timed that compilation as well.
var warmUp = alerts;
var firstAlerts = alerts / 2;
var plainDrains = new List<double>();
var drains = new List<double>();
var coldDrains = new List<double>();
double drainPeak = 0;
for (var round = 0; round < 3; round++)
{
    await broker.ResetAsync();
    await broker.PublishPlainAsync("critical.bench", warmUp + alerts, inFlight: 1000);
    await PlainConsumer.DrainAsync(broker, sink.Port, warmUp + alerts, defaults.ConcurrentMessageLimit, (ushort)defaults.PrefetchCount, CancellationToken.None);
    plainDrains.Add(RateAfter(sink, warmUp));
    sink.Forget();

    await broker.ResetAsync();
    await broker.PublishPlainAsync("critical.bench", warmUp + alerts, inFlight: 1000);
    await using var consumer = ServiceProcess.Consumer(broker.Settings, sink.Port);
    await sink.WaitForAsync(warmUp + alerts, patience);
    drains.Add(RateAfter(sink, warmUp));
    coldDrains.Add(RateBetween(sink, 0, firstAlerts));
    drainPeak = Math.Max(drainPeak, consumer.PeakMegabytes);
    sink.Forget();
}

results.Add("end to end", $"drain of a filled queue past {warmUp:N0} alerts of warm-up, alerts/s ({defaults.ConcurrentMessageLimit} SMTP connections, median of 3)",
    Median(drains), $"RabbitMQ.Client + MailKit, {defaults.ConcurrentMessageLimit} connections", Median(plainDrains), drainPeak);
results.Add("end to end", $"drain: a fresh consumer process's first {firstAlerts:N0} alerts, alerts/s (median of 3)", Median(coldDrains));
Console.WriteLine($"drain rounds: {Rounds(drains)} alerts/s; plain: {Rounds(plainDrains)}; its first {firstAlerts:N0} alerts: {Rounds(coldDrains)}");
results.Goal("per-alert drain, of RabbitMQ.Client + MailKit", Median(drains) / Median(plainDrains), ">= 0.8", Median(drains) / Median(plainDrains) >= 0.8);

// 3. Mail delivery: MailKit alone, reused against per-mail connections; then a server that takes 50 ms per mail.
Console.WriteLine("mail…");
var mails = Math.Clamp(alerts / 10, 200, 2000);
results.Add("mail (mails/s)", "one reused SMTP connection", await Mailer.RateAsync(sink.Port, mails, reuse: true),
    "a new connection per mail", await Mailer.RateAsync(sink.Port, mails / 2, reuse: false));
sink.Forget();
await using var slow = await SmtpSink.StartAsync();
slow.KeepMessages = false;
slow.Latency = TimeSpan.FromMilliseconds(50);
var slowPerMail = await Mailer.RateAsync(slow.Port, 40, reuse: false);
slow.Forget();
await broker.ResetAsync();
var slowAlerts = Math.Clamp(alerts / 5, 500, 4000);
await broker.PublishPlainAsync("critical.bench", slowAlerts, inFlight: 1000);
await using (var consumer = ServiceProcess.Consumer(broker.Settings, slow.Port))
{
    await slow.WaitForAsync(slowAlerts, patience);
    results.Add("mail (mails/s)", "50 ms server: one consumer process, defaults", RateBetweenFirstAndLast(slow),
        "50 ms server: a connection per mail, one at a time", slowPerMail, consumer.PeakMegabytes);
    slow.Forget();
}

// 4. Scale-out: the same queue drained by 1, 2 and 4 consumer processes with equal settings, against the 50 ms server.
Console.WriteLine("scale-out…");
double? oneReplica = null;
foreach (var replicas in new[] { 1, 2, 4 })
{
    await broker.ResetAsync();
    var processes = Enumerable.Range(0, replicas)
        .Select(_ => ServiceProcess.Consumer(broker.Settings, slow.Port, ("Alerts__ConcurrentMessageLimit", "4"), ("Alerts__PrefetchCount", "8")))
        .ToList();
    await WaitForConsumersAsync(broker, replicas);
    var count = 400 * replicas;
    await broker.PublishPlainAsync("critical.bench", count, inFlight: 1000);
    await slow.WaitForAsync(count, patience);
    var rate = RateBetweenFirstAndLast(slow);
    oneReplica ??= rate;
    results.Add("scale-out (alerts/s, 50 ms server)", $"{replicas} replica(s), 4 SMTP connections each", rate, "1 replica", oneReplica,
        processes.Max(process => process.PeakMegabytes));
    slow.Forget();
    foreach (var process in processes)
    {
        await process.DisposeAsync();
    }
}

// 5. Storms, with the shipped grouping: intake (alerts folded and acknowledged per second) beside a plain client that
// acknowledges without mailing, and beside the same intake read through a MassTransit batch consumer; the size of the
// one digest that accounts for the whole storm; memory with 10,000 groups.
Console.WriteLine("storm…");
// A storm is sustained: its rate is taken while the queue goes from 90 % to 10 % full, past start-up and tail, for
// all three; they alternate three times and the medians are compared, as the two cores' share between broker and
// consumer varies from run to run.
var storm = 5 * alerts;
var plainRates = new List<double>();
var intakeRates = new List<double>();
var batchRates = new List<double>();
double intakePeak = 0;
for (var round = 0; round < 3; round++)
{
    await broker.ResetAsync();
    await broker.PublishPlainAsync("critical.bench", storm, inFlight: 1000);
    var plainAcknowledging = PlainConsumer.AcknowledgeAsync(broker, storm, prefetch: 2000, CancellationToken.None);
    plainRates.Add(await SteadyDrainRateAsync(broker, storm));
    await plainAcknowledging;

    await broker.ResetAsync();
    await broker.PublishPlainAsync("critical.bench", storm, inFlight: 1000);
    await using (var consumer = ServiceProcess.Consumer(broker.Settings, sink.Port, ("Alerts__Routes__critical__Grouping__Enabled", "true")))
    {
        intakeRates.Add(await SteadyDrainRateAsync(broker, storm));
        intakePeak = Math.Max(intakePeak, consumer.PeakMegabytes);
    }

    await broker.ResetAsync();
    await broker.PublishPlainAsync("critical.bench", storm, inFlight: 1000);
    batchRates.Add(await MassTransitBatchIntake.MeasureAsync(broker.Settings, () => SteadyDrainRateAsync(broker, storm)));
}

results.Add("storm (grouping)", "intake, one consumer process (RabbitMQ.Client reader), alerts/s (median of 3)", Median(intakeRates),
    "RabbitMQ.Client acknowledging, mailing nothing", Median(plainRates), intakePeak);
results.Add("storm (grouping)", $"same intake through a MassTransit batch consumer ({MassTransitBatchIntake.MessageLimit} × {MassTransitBatchIntake.ConcurrencyLimit}), alerts/s (median of 3)",
    Median(batchRates), "RabbitMQ.Client acknowledging, mailing nothing", Median(plainRates));
Console.WriteLine($"intake rounds: {Rounds(intakeRates)} alerts/s; MassTransit batch consumer: {Rounds(batchRates)}; plain: {Rounds(plainRates)}");
results.Goal("storm intake, of a plain ack-only consumer", Median(intakeRates) / Median(plainRates), ">= 0.5", Median(intakeRates) / Median(plainRates) >= 0.5);

// The group wait outlasts the intake, so the group's first mail accounts for the whole storm.
sink.Forget();
await broker.ResetAsync();
await broker.PublishPlainAsync("critical.bench", storm, inFlight: 1000);
sink.KeepMessages = true;
await using (var consumer = ServiceProcess.Consumer(broker.Settings, sink.Port,
    ("Alerts__Routes__critical__Grouping__Enabled", "true"), ("Alerts__Routes__critical__Grouping__GroupWait", "00:00:30")))
{
    var digest = Assert(await sink.WaitForAsync(1, patience), storm);
    results.Add("storm (grouping)", $"size of the one digest for {storm:N0} alerts, KB", digest / 1024.0);
    sink.Forget();
}

await broker.ResetAsync();
var groups = 10_000;
await broker.PublishPlainAsync("critical.bench", groups, inFlight: 1000, distinctSources: true);
sink.KeepMessages = false;
await using (var consumer = ServiceProcess.Consumer(broker.Settings, sink.Port, ("Alerts__Routes__critical__Grouping__Enabled", "true")))
{
    await sink.WaitForAsync(groups, patience);
    results.Add("storm (grouping)", $"{groups:N0} open groups (a source each), one mail each: peak MB", consumer.PeakMegabytes);
    sink.Forget();
}

// 6. The HTTP front door beside Debian's Alertmanager, the in-memory reference, on the same load from the same client:
// Prometheus-shaped requests of 100 alerts, 8 at once, in 3 alternating rounds (median); then single-alert requests
// sent to each at half the rate 16 concurrent clients reach on the front door, for their latency.
Console.WriteLine("http…");
await broker.ResetAsync();
await broker.ResetHistoryAsync(); // the consumers above wrote history; the front door is measured taking alerts, not reading it
var frontDoorToken = Guid.NewGuid().ToString("N");
var frontDoorAddress = new Uri($"http://127.0.0.1:{FreePort.OnLoopback()}");
await using (var frontDoor = ServiceProcess.FrontDoor(broker.Settings, frontDoorAddress, frontDoorToken))
await using (var alertmanager = await Alertmanager.StartAsync())
{
    using var http = new HttpClient { BaseAddress = frontDoorAddress, Timeout = TimeSpan.FromSeconds(30) };
    http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", frontDoorToken);
    using var reference = new HttpClient { BaseAddress = alertmanager.Address, Timeout = TimeSpan.FromSeconds(30) };
    await WaitUntilReadyAsync(http);
    await PostAllAsync(http, Enumerable.Range(0, 20).Select(request => PrometheusBatch(request, 100)), 8); // past tiered compilation
    await PostAllAsync(reference, Enumerable.Range(0, 20).Select(request => PrometheusBatch(request, 100)), 8);

    List<double> frontDoorRounds = [], alertmanagerRounds = [];
    for (var round = 0; round < 3; round++)
    {
        await broker.ResetAsync();
        frontDoorRounds.Add(await IngestAsync(http, alerts, 10_000_000 * (round + 1)));
        alertmanagerRounds.Add(await IngestAsync(reference, alerts, 10_000_000 * (round + 1)));
    }

    var frontDoorIngest = Median(frontDoorRounds);
    results.Add("http front door", $"POST /api/v2/alerts, 100 alerts per request, 8 at once, alerts/s (median of {Rounds(frontDoorRounds)})", frontDoorIngest,
        $"Debian's Alertmanager 0.25, in memory, same load (median of {Rounds(alertmanagerRounds)})", Median(alertmanagerRounds), frontDoor.PeakMegabytes);
    results.Add("http front door", "the same, beside the producer's bulk AMQP path (PublishManyAsync) of this run", frontDoorIngest,
        "producer bulk path, same run", bulkPublish);

    var singles = Math.Clamp(alerts / 10, 500, 2000);
    var saturation = Stopwatch.StartNew();
    await PostAllAsync(http, Enumerable.Range(0, singles).Select(request => PrometheusBatch(1_000_000 + request, 1)), 16);
    var singleRate = singles / saturation.Elapsed.TotalSeconds;
    var (frontDoorP50, frontDoorP99) = await PacedLatencyAsync(http, singles, singleRate / 2, 2_000_000);
    var (alertmanagerP50, alertmanagerP99) = await PacedLatencyAsync(reference, singles, singleRate / 2, 2_000_000);
    var (brokerP50, brokerP99) = await broker.ConfirmLatencyAsync("critical.bench", singles, singleRate / 2);
    results.Add("http front door", "single-alert requests, 16 at once, requests/s", singleRate);
    results.Add("http front door", $"single-alert request at half of that ({singleRate / 2:0}/s), p50 ms", frontDoorP50, "Alertmanager, same rate", alertmanagerP50);
    results.Add("http front door", $"single-alert request at half of that ({singleRate / 2:0}/s), p99 ms", frontDoorP99, "Alertmanager, same rate", alertmanagerP99);
    results.Add("http front door", "the broker's own confirm at that rate (RabbitMQ.Client, one alert a publish), p50 ms", brokerP50);
    results.Add("http front door", "the broker's own confirm at that rate (RabbitMQ.Client, one alert a publish), p99 ms", brokerP99);
    results.Goal("front door ingest, of Alertmanager's (aim: 1.0)", frontDoorIngest / Median(alertmanagerRounds), ">= 0.5", frontDoorIngest / Median(alertmanagerRounds) >= 0.5);
    results.Goal("front door single-alert p99 at half of saturation, ms", frontDoorP99, "< 50", frontDoorP99 < 50);
}

// 7. Webhooks: one consumer process posting each alert (grouping off, no mail) in Alertmanager's format to a local
// receiver, beside a plain HttpClient posting the same payload with as many posts in flight.
Console.WriteLine("webhook…");
await using (var hooks = await WebhookSink.StartAsync())
{
    hooks.KeepPosts = false;
    var payload = WebhookPayload.Sample();
    using var plain = new HttpClient();
    await Parallel.ForEachAsync(Enumerable.Range(0, alerts), new ParallelOptions { MaxDegreeOfParallelism = defaults.ConcurrentMessageLimit },
        async (_, cancel) => (await plain.PostAsync(hooks.UrlOf(), new ByteArrayContent(payload) { Headers = { ContentType = new("application/json") } }, cancel)).Dispose());
    var plainPosts = hooks.AcceptedRate;
    hooks.Forget();

    await broker.ResetAsync();
    await using var consumer = ServiceProcess.Consumer(broker.Settings, sink.Port,
        ("Alerts__Serve", "hooks"), ("Alerts__Routes__hooks__Queue", BenchBroker.HookQueue), ("Alerts__Routes__hooks__Bindings__0", "critical.*"),
        ("Alerts__Routes__hooks__Subject", "HOOKS"), ("Alerts__Routes__hooks__Grouping__Enabled", "false"),
        ("Alerts__Routes__hooks__Webhooks__0__Url", hooks.UrlOf()));
    await WaitForConsumersAsync(broker, 1, BenchBroker.HookQueue);
    await broker.PublishPlainAsync("critical.bench", alerts, inFlight: 1000);
    await hooks.WaitForAsync(alerts, patience);
    results.Add("webhook (posts/s)", $"one consumer process, grouping off, Alertmanager format, {defaults.ConcurrentMessageLimit} at once", hooks.AcceptedRate,
        $"plain HttpClient, the same payload, {defaults.ConcurrentMessageLimit} at once", plainPosts, consumer.PeakMegabytes);
}

// 8. The front door's read API and history, on a history written as the consumers write it.
Console.WriteLine("read API…");
await ReadApi.RunAsync(broker, results);

// 9. Memory of the consumer process.
results.Add("memory (MB)", "consumer idle, resident", consumerIdle);
results.Add("memory (MB)", "consumer peak at saturation", consumerPeak);
results.Goal("consumer resident peak at saturation, MB", consumerPeak, "< 150", consumerPeak < 150);
results.Print();
return 0;

static async Task WaitUntilReadyAsync(HttpClient http)
{
    for (var attempt = 0; attempt < 300; attempt++)
    {
        try
        {
            using var ready = await http.GetAsync("/health/ready");
            if (ready.IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
            // not listening yet
        }

        await Task.Delay(100);
    }

    throw new TimeoutException("the front door was not ready within 30 s");
}

static Task PostAllAsync(HttpClient http, IEnumerable<StringContent> bodies, int atOnce) =>
    Parallel.ForEachAsync(bodies, new ParallelOptions { MaxDegreeOfParallelism = atOnce }, async (body, cancellationToken) =>
    {
        using var answer = await http.PostAsync("/api/v2/alerts", body, cancellationToken);
        answer.EnsureSuccessStatusCode();
    });

// Alerts per second through POST /api/v2/alerts, 100 a request, 8 at once; label sets start at offset, so each round's are new.
static async Task<double> IngestAsync(HttpClient http, int alerts, int offset)
{
    var watch = Stopwatch.StartNew();
    await PostAllAsync(http, Enumerable.Range(0, alerts / 100).Select(request => PrometheusBatch(offset + request, 100)), 8);
    return alerts / watch.Elapsed.TotalSeconds;
}

// Single-alert requests sent at a steady rate, each timed from send to answer: p50 and p99 in ms.
static async Task<(double P50, double P99)> PacedLatencyAsync(HttpClient http, int requests, double perSecond, int offset)
{
    var latencies = new ConcurrentBag<double>();
    var paced = Stopwatch.StartNew();
    var inFlight = new List<Task>();
    for (var request = 0; request < requests; request++)
    {
        var due = TimeSpan.FromSeconds(request / perSecond);
        if (due > paced.Elapsed)
        {
            await Task.Delay(due - paced.Elapsed);
        }

        var body = PrometheusBatch(offset + request, 1);
        inFlight.Add(Task.Run(async () =>
        {
            var sent = Stopwatch.StartNew();
            using var answer = await http.PostAsync("/api/v2/alerts", body);
            answer.EnsureSuccessStatusCode();
            latencies.Add(sent.Elapsed.TotalMilliseconds);
        }));
    }

    await Task.WhenAll(inFlight);
    var ordered = latencies.Order().ToList();
    return (ordered[ordered.Count / 2], ordered[(int)(ordered.Count * 0.99)]);
}

// A request as Prometheus sends it: alerts with distinct label sets, so each is an alert of its own.
static StringContent PrometheusBatch(int request, int size) => new(
    "[" + string.Join(",", Enumerable.Range(0, size).Select(index => $$"""
        {"labels":{"alertname":"UpstreamLatencyHigh","severity":"critical","instance":"host-{{request}}-{{index}}:9100","job":"api"},
         "annotations":{"summary":"upstream latency above threshold on api-gateway"},"startsAt":"2026-11-26T12:00:00Z"}
        """)) + "]",
    System.Text.Encoding.UTF8, "application/json");

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static string Rounds(List<double> rates) => string.Join(", ", rates.Select(rate => rate.ToString("0", System.Globalization.CultureInfo.InvariantCulture)));

// Alerts taken off the route queue per second while it drains from 90 % to 10 % of a storm.
static async Task<double> SteadyDrainRateAsync(BenchBroker broker, int storm)
{
    var watch = Stopwatch.StartNew();
    TimeSpan? at90 = null;
    while (true)
    {
        var ready = await broker.ReadyAsync(BenchBroker.RouteQueue);
        if (at90 is null && ready <= storm * 0.9)
        {
            at90 = watch.Elapsed;
        }

        if (ready <= storm * 0.1)
        {
            return storm * 0.8 / (watch.Elapsed - at90!.Value).TotalSeconds;
        }

        await Task.Delay(5);
    }
}

// The digest's size in bytes, once it is known to account for every alert of the storm.
static long Assert(IReadOnlyList<MimeKit.MimeMessage> mails, int storm)
{
    var digest = mails.Single();
    if (digest.Headers["X-Alert-Count"] != storm.ToString(System.Globalization.CultureInfo.InvariantCulture))
    {
        throw new InvalidOperationException($"the digest accounts for {digest.Headers["X-Alert-Count"]} alerts, not {storm}");
    }

    using var size = new MemoryStream();
    digest.WriteTo(size);
    return size.Length;
}

static async Task<IHost> StartProducerAsync(BenchBroker broker)
{
    var builder = Host.CreateApplicationBuilder();
    builder.Configuration.AddInMemoryCollection(broker.Settings.Select(setting =>
        new KeyValuePair<string, string?>(setting.Key.Replace("__", ":", StringComparison.Ordinal), setting.Value)));
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddAlertsProducer();
    builder.Services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
    var host = builder.Build();
    await host.StartAsync();
    return host;
}

static async Task WaitForConsumersAsync(BenchBroker broker, int consumers, string queue = BenchBroker.RouteQueue)
{
    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (await broker.ConsumersAsync(queue) < consumers)
    {
        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"{consumers} consumer(s) did not attach within 60 s");
        }

        await Task.Delay(100);
    }
}

// From the first mail accepted to the last: the consumer's own pace, without its start-up.
static double RateBetweenFirstAndLast(SmtpSink sink) => RateAfter(sink, 0);

// Mails accepted per second from the mail after the first <skip> to the last.
static double RateAfter(SmtpSink sink, int skip) => RateBetween(sink, skip, sink.AcceptedAt.Count - 1);

// Mails accepted per second from the mail at index <from> to the one at <to>, in the order they were accepted.
static double RateBetween(SmtpSink sink, int from, int to)
{
    var times = sink.AcceptedAt.Values.Order().ToList();
    return (to - from) / (times[to] - times[from]).TotalSeconds;
}

// From the publish to the mail accepted by the SMTP server, per alert.
static (double P50, double P99) Latency(SmtpSink sink, IReadOnlyDictionary<Guid, DateTimeOffset> publishedAt)
{
    var milliseconds = sink.AcceptedAt.Where(pair => publishedAt.ContainsKey(pair.Key))
        .Select(pair => (pair.Value - publishedAt[pair.Key]).TotalMilliseconds)
        .Order()
        .ToList();
    return (milliseconds[milliseconds.Count / 2], milliseconds[(int)(milliseconds.Count * 0.99)]);
}
