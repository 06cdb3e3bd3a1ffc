using System.Diagnostics;

namespace Alerts.Benchmarks;

/// <summary>The book's producer in Python on pika, persistent and confirmed, timed in the same run (needs python3-pika).</summary>
public static class BookProducer
{
    const string Script = """
        import json, os, sys, time, uuid, pika
        count = int(sys.argv[1])
        parameters = pika.ConnectionParameters(host=os.environ["RabbitMq__Host"], port=int(os.environ["RabbitMq__Port"]),
            virtual_host=os.environ["RabbitMq__VirtualHost"],
            credentials=pika.PlainCredentials(os.environ["RabbitMq__Username"], os.environ["RabbitMq__Password"]))
        connection = pika.BlockingConnection(parameters)
        channel = connection.channel()
        channel.confirm_delivery()
        properties = pika.BasicProperties(content_type="application/json", delivery_mode=2)
        start = time.perf_counter()
        for i in range(count):
            body = json.dumps({"id": str(uuid.uuid4()), "severity": "critical", "type": "bench",
                               "text": "Benchmark alert %d: upstream latency above threshold on api-gateway" % i, "source": "python"})
            channel.basic_publish(exchange="alerts", routing_key="critical.bench", body=body, properties=properties)
        print(count / (time.perf_counter() - start))
        connection.close()
        """;

    public static async Task<double> RateAsync(IReadOnlyDictionary<string, string> broker, int count)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", Script, count.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in broker)
        {
            start.Environment[name] = value;
        }

        using var python = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var output = await python.StandardOutput.ReadToEndAsync();
        var error = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        return python.ExitCode == 0
            ? double.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"the book's producer failed (is python3-pika installed?): {error}");
    }
}
