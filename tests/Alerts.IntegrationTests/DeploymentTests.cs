using System.Text.Json;
using Alerts.IntegrationTests.Support;
using Alerts.TestSupport;
using YamlDotNet.RepresentationModel;

namespace Alerts.IntegrationTests;

// In the broker collection, so that its docker-compose runs and parsing never share the two cores with a timed fault test.
[Collection(UsesBroker.Name)]
public sealed class When_the_services_are_deployed_with_docker_compose
{
    [Fact]
    public async Task Should_refuse_to_start_without_the_passwords()
    {
        var (exitCode, _, error) = await ComposeFile.ConfigAsync(new Dictionary<string, string?>());

        Assert.NotEqual(0, exitCode);
        Assert.Contains("ALERTS_", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_run_broker_sink_and_both_consumers_healthy_in_order()
    {
        var compose = await ComposeFile.ResolveAsync();

        Assert.Equal(["critical-consumer", "front-door", "producer", "rabbitmq", "rate-limit-consumer", "smtp4dev"], compose.ServiceNames.Order());
        foreach (var name in compose.ServiceNames)
        {
            var service = compose.Service(name);
            Assert.True(service.Children.ContainsKey(new YamlScalarNode("healthcheck")), $"{name} has no health check");
            Assert.NotNull(Yaml.Text(service, "restart"));
        }

        Assert.Equal("2", Yaml.Text(compose.Service("critical-consumer"), "deploy", "replicas"));
        foreach (var consumer in new[] { "critical-consumer", "rate-limit-consumer" })
        {
            Assert.Equal("alerts-consumer:local", Yaml.Text(compose.Service(consumer), "image")); // one image, two services
            Assert.Equal("service_healthy", Yaml.Text(compose.Service(consumer), "depends_on", "rabbitmq", "condition"));
            Assert.Equal("service_healthy", Yaml.Text(compose.Service(consumer), "depends_on", "smtp4dev", "condition"));
        }

        Assert.Equal("critical", compose.Environment("critical-consumer")["Alerts__Serve"]);
        Assert.Equal("rate_limit", compose.Environment("rate-limit-consumer")["Alerts__Serve"]);
        Assert.Equal("service_healthy", Yaml.Text(compose.Service("producer"), "depends_on", "rabbitmq", "condition"));
        Assert.Equal("service_healthy", Yaml.Text(compose.Service("front-door"), "depends_on", "rabbitmq", "condition"));
        Assert.Equal("alerts-producer:local", Yaml.Text(compose.Service("front-door"), "image")); // the producer's image, serving
    }

    [Fact]
    public async Task Should_configure_each_service_only_with_settings_its_code_reads()
    {
        var compose = await ComposeFile.ResolveAsync();

        var checkedServices = 0;
        foreach (var name in compose.ServiceNames)
        {
            if (compose.Program(name) is { } program)
            {
                Assert.Null(ServiceSettings.Check(program, compose.Environment(name)));
                Assert.DoesNotContain("guest", compose.Environment(name).Values);
                checkedServices++;
            }
        }

        Assert.Equal(3, checkedServices);
        // The check has teeth: a misspelt key or a bad value is caught.
        var misspelt = new Dictionary<string, string>(compose.Environment("critical-consumer")) { ["Smtp__Hots"] = "smtp4dev" };
        Assert.Contains("Hots", ServiceSettings.Check("Alerts.Consumer", misspelt), StringComparison.Ordinal);
        var unread = new Dictionary<string, string>(compose.Environment("producer")) { ["Smtp__Host"] = "smtp4dev" };
        Assert.Contains("Smtp__Host", ServiceSettings.Check("Alerts.Producer", unread), StringComparison.Ordinal);
    }
}

[Collection(UsesBroker.Name)]
public sealed class When_the_compose_services_run_against_a_broker_loaded_with_its_definitions
{
    [Fact]
    public async Task Should_route_and_mail_with_the_least_privilege_users_and_the_compose_settings_whatever_starts_first()
    {
        // A broker of its own: the definitions create the 'alerts' virtual host and users, which must not replace
        // a developer's on a broker the suite was pointed at (ALERTS_TEST_AMQP_PORT).
        await using var broker = await Broker.StartPrivateAsync();
        var compose = await ComposeFile.ResolveAsync();
        var definitions = Directory.CreateTempSubdirectory("alerts-definitions-").FullName;
        var (rendered, _, renderError) = await Repository.RunAsync("/bin/sh",
            [Repository.PathOf("deploy/rabbitmq/render-definitions.sh"), Repository.PathOf("deploy/rabbitmq"), definitions],
            environment: ComposeFile.Passwords);
        Assert.True(rendered == 0, renderError);
        // As the broker loads the folder at boot: the users and their rights, then the topology.
        await broker.ImportDefinitionsAsync(await File.ReadAllTextAsync(Path.Combine(definitions, "definitions.json")));
        await broker.ImportDefinitionsAsync(await File.ReadAllTextAsync(Path.Combine(definitions, "topology.json")));
        Directory.Delete(definitions, recursive: true);
        await using var virtualHost = new BrokerVirtualHost(broker, "alerts", "alerts_operator", ComposeFile.Passwords["ALERTS_OPERATOR_PASSWORD"]!);
        await using var sink = await SmtpSink.StartAsync();

        // Exactly the compose environment, with the container names replaced by where the broker and sink run here.
        Dictionary<string, string> Here(string service) => new(compose.Environment(service))
        {
            ["RabbitMq__Host"] = "127.0.0.1",
            ["RabbitMq__Port"] = broker.AmqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp__Host"] = "127.0.0.1",
            ["Smtp__Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        // The producer first: the deployment declared the route queues, so the alert waits there for its consumers.
        await using var produced = await Service.ProduceAsync(Here("producer"), "-r", "critical.rate_limit", "-m", "Hacker at 10k req/s");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.DoesNotContain(produced.StandardOutput, line => line.Contains("no route", StringComparison.Ordinal));
        await using var critical = Service.Consumer(virtualHost, sink.Port, null, [.. Here("critical-consumer").Select(setting => (setting.Key, setting.Value)), .. Service.Grouping]);
        await using var rateLimit = Service.Consumer(virtualHost, sink.Port, null, [.. Here("rate-limit-consumer").Select(setting => (setting.Key, setting.Value)), .. Service.Grouping]);

        var mails = await sink.WaitForAsync(2, TimeSpan.FromSeconds(30));
        Assert.Equal(["CRITICAL ALERT", "RATE LIMIT ALERT!"], mails.Select(mail => mail.Subject).Order());
        await using var healthy = await Service.CheckHealthAsync(new Uri(await critical.HttpAddressAsync(), "/health/ready"));
        Assert.True(healthy.ExitCode == 0, healthy.ToString());
        Assert.DoesNotContain(critical.Output.Concat(rateLimit.Output), line => line.Contains("ACCESS_REFUSED", StringComparison.Ordinal));

        // The front door with its own broker user: the on-call page's count of what the routes parked, behind its password.
        var (frontDoor, address) = await Service.StartFrontDoorAsync(Here("front-door"));
        await using var _ = frontDoor;
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            $"{compose.Environment("front-door")["FrontDoor__Username"]}:{ComposeFile.Passwords["ALERTS_ONCALL_PASSWORD"]}")));
        await Eventually.HoldsAsync(async () => (await http.GetStringAsync("/api/parked")).Contains("\"route\":\"rate_limit\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the page's parked view to list the routes");
        Assert.DoesNotContain(frontDoor.Output, line => line.Contains("ACCESS_REFUSED", StringComparison.Ordinal));
    }
}

[Collection(UsesBroker.Name)]
public sealed class When_the_consumer_runs_with_its_images_settings(Broker broker)
{
    [Fact]
    public async Task Should_answer_the_images_health_check_and_the_probes_on_the_port_it_exposes()
    {
        var image = DockerfileStage("consumer");
        var environment = image.Single(line => line.StartsWith("ENV ", StringComparison.Ordinal))[4..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(setting => setting.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1]);
        var port = image.Single(line => line.StartsWith("EXPOSE ", StringComparison.Ordinal))[7..];
        var healthCheck = JsonSerializer.Deserialize<string[]>(
            image.Single(line => line.StartsWith("HEALTHCHECK ", StringComparison.Ordinal)).Split(" CMD ")[1])!;
        await using var virtualHost = await broker.CreateVirtualHostAsync();
        await using var sink = await SmtpSink.StartAsync();

        await using var consumer = Service.Consumer(virtualHost, sink.Port, "critical", [.. environment.Select(setting => (setting.Key, setting.Value))]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                using var ready = await http.GetAsync("/health/ready");
                return ready.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), $"the consumer ready on port {port}, as URLS={environment["URLS"]} says (is something else listening there?)");

        using var live = await http.GetAsync("/health/live");
        await using var check = await Service.RunConsumerCommandAsync([.. healthCheck.SkipWhile(word => word != "Alerts.Consumer.dll").Skip(1)]);
        Assert.True(live.IsSuccessStatusCode);
        Assert.True(check.ExitCode == 0, check.ToString()); // the image's HEALTHCHECK, word for word, with its default address
    }

    /// <summary>The lines of one stage of the Dockerfile, from its FROM to the next.</summary>
    static List<string> DockerfileStage(string name) =>
        [.. File.ReadAllLines(Repository.PathOf("Dockerfile"))
            .SkipWhile(line => !(line.StartsWith("FROM ", StringComparison.Ordinal) && line.EndsWith($" AS {name}", StringComparison.Ordinal)))
            .TakeWhile((line, index) => index == 0 || !line.StartsWith("FROM ", StringComparison.Ordinal))];
}
