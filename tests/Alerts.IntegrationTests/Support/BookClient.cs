namespace Alerts.IntegrationTests.Support;

/// <summary>The book's Python producer (examples/alert_producer.py, Debian's pika), publishing as a user's script would.</summary>
public static class BookClient
{
    /// <summary>Publishes the book's bare-string body with <paramref name="routingKey"/>, and fails the test if the script fails.</summary>
    public static async Task PublishAsync(BrokerVirtualHost virtualHost, string routingKey, string text)
    {
        var (exitCode, output, error) = await Repository.RunAsync("/usr/bin/python3",
            [Repository.PathOf("examples/alert_producer.py"), "-r", routingKey, "-m", text, "--book-format"],
            environment: virtualHost.Settings.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value)));
        Assert.True(exitCode == 0, $"examples/alert_producer.py (needs Debian's python3-pika: ./scripts/test.sh installs it): {output}{error}");
    }
}
