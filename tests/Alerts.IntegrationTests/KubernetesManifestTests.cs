using System.Text.Json;
using Alerts.IntegrationTests.Support;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace Alerts.IntegrationTests;

/// <summary>No cluster runs here: the manifests are read as Kubernetes would read them and held against the code.</summary>
// In the broker collection, so that its builds and parsing never share the two cores with a timed fault test.
[Collection(UsesBroker.Name)]
public sealed class When_the_consumers_are_deployed_on_kubernetes
{
    static readonly List<YamlMappingNode> Documents = Load();

    static List<YamlMappingNode> Load()
    {
        var documents = new List<YamlMappingNode>();
        foreach (var file in Directory.EnumerateFiles(Repository.PathOf("deploy/k8s"), "*.yaml"))
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(File.ReadAllText(file)));
            documents.AddRange(yaml.Documents.Select(document => (YamlMappingNode)document.RootNode));
        }

        return documents;
    }

    static IEnumerable<YamlMappingNode> OfKind(string kind) => Documents.Where(document => Yaml.Text(document, "kind") == kind);

    static YamlNode At(YamlNode node, params object[] path) => Yaml.At(node, path) ?? throw new KeyNotFoundException(string.Join('.', path));

    static string Text(YamlNode node, params object[] path) => Yaml.Text(node, path) ?? throw new KeyNotFoundException(string.Join('.', path));

    /// <summary>The container's environment as the kubelet assembles it: the ConfigMaps it names, then its own entries.</summary>
    static Dictionary<string, string> Environment(YamlNode container)
    {
        var environment = new Dictionary<string, string>();
        var mapping = (YamlMappingNode)container;
        if (mapping.Children.TryGetValue(new YamlScalarNode("envFrom"), out var sources))
        {
            foreach (var source in (YamlSequenceNode)sources)
            {
                var configMap = OfKind("ConfigMap").Single(map => Text(map, "metadata", "name") == Text(source, "configMapRef", "name"));
                foreach (var (key, value) in (YamlMappingNode)At(configMap, "data"))
                {
                    environment[((YamlScalarNode)key).Value!] = ((YamlScalarNode)value).Value!;
                }
            }
        }

        foreach (var entry in (YamlSequenceNode)At(container, "env"))
        {
            environment[Text(entry, "name")] = ((YamlMappingNode)entry).Children.ContainsKey(new YamlScalarNode("value"))
                ? Text(entry, "value")
                : $"from secret {Text(entry, "valueFrom", "secretKeyRef", "name")}";
        }

        return environment;
    }

    static IEnumerable<(string Name, YamlNode Container)> ConsumerContainers() =>
        OfKind("Deployment").Select(deployment => (Text(deployment, "metadata", "name"), At(deployment, "spec", "template", "spec", "containers", 0)))
            .Where(pair => Text(pair.Item2, "image") == "alerts-consumer");

    [Fact]
    public void Should_list_every_manifest_in_the_kustomization()
    {
        var kustomization = OfKind("Kustomization").Single();
        var listed = ((YamlSequenceNode)At(kustomization, "resources")).Select(resource => ((YamlScalarNode)resource).Value).Order();

        Assert.Equal(Directory.EnumerateFiles(Repository.PathOf("deploy/k8s"), "*.yaml").Select(Path.GetFileName).Where(name => name != "kustomization.yaml").Order(), listed);
    }

    [Fact]
    public void Should_configure_each_consumer_with_settings_its_code_reads_and_secrets_for_its_passwords()
    {
        var consumers = ConsumerContainers().ToList();

        Assert.Equal(["critical-consumer", "rate-limit-consumer"], consumers.Select(consumer => consumer.Name).Order());
        foreach (var (name, container) in consumers)
        {
            var environment = Environment(container);
            Assert.Null(ServiceSettings.Check("Alerts.Consumer", environment));
            Assert.StartsWith("from secret", environment["RabbitMq__Password"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Should_probe_the_addresses_the_consumer_serves_on_the_port_the_image_listens_on()
    {
        var imagePort = File.ReadAllLines(Repository.PathOf("Dockerfile")).Single(line => line.StartsWith("EXPOSE", StringComparison.Ordinal)).Split(' ')[1];

        foreach (var (_, container) in ConsumerContainers())
        {
            Assert.Equal(imagePort, Text(container, "ports", 0, "containerPort"));
            Assert.Equal("/health/ready", Text(container, "readinessProbe", "httpGet", "path"));
            Assert.Equal("/health/ready", Text(container, "startupProbe", "httpGet", "path"));
            Assert.Equal("/health/live", Text(container, "livenessProbe", "httpGet", "path"));
            Assert.Equal("true", Text(container, "securityContext", "readOnlyRootFilesystem"));
        }
    }

    [Fact]
    public void Should_scale_each_consumer_on_the_length_of_the_queue_it_serves()
    {
        var routes = new ConfigurationBuilder().AddJsonFile(Repository.PathOf("src/Alerts.Consumer/appsettings.json")).Build().GetSection("Alerts:Routes");
        var scaled = OfKind("ScaledObject").ToList();

        Assert.Equal(2, scaled.Count);
        foreach (var scaler in scaled)
        {
            var (_, container) = ConsumerContainers().Single(consumer => consumer.Name == Text(scaler, "spec", "scaleTargetRef", "name"));
            var servedQueue = routes[$"{Environment(container)["Alerts__Serve"]}:Queue"];
            Assert.Equal("rabbitmq", Text(scaler, "spec", "triggers", 0, "type"));
            Assert.Equal("QueueLength", Text(scaler, "spec", "triggers", 0, "metadata", "mode"));
            Assert.Equal(servedQueue, Text(scaler, "spec", "triggers", 0, "metadata", "queueName"));
        }
    }

    [Fact]
    public void Should_declare_the_topology_that_compose_and_the_local_broker_load()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("deploy/rabbitmq/topology.json")));
        var topology = json.RootElement;
        static string Arguments(IEnumerable<(string Key, string Value)> arguments) =>
            string.Join(",", arguments.OrderBy(argument => argument.Key, StringComparer.Ordinal).Select(argument => $"{argument.Key}={argument.Value}"));
        static string JsonArguments(JsonElement entry, string name) =>
            Arguments(entry.GetProperty(name).EnumerateObject().Select(argument => (argument.Name, argument.Value.ToString())));
        string YamlArguments(YamlNode spec, string name) =>
            Yaml.At(spec, name) is YamlMappingNode arguments
                ? Arguments(arguments.Children.Select(argument => (((YamlScalarNode)argument.Key).Value!, ((YamlScalarNode)argument.Value).Value!)))
                : "";

        var declared = topology.GetProperty("policies").EnumerateArray()
            .Select(policy => $"policy {policy.GetProperty("name")} {policy.GetProperty("pattern")} {policy.GetProperty("apply-to")} {JsonArguments(policy, "definition")}")
            .Concat(topology.GetProperty("exchanges").EnumerateArray()
                .Select(exchange => $"exchange {exchange.GetProperty("name")} {exchange.GetProperty("type")} {JsonArguments(exchange, "arguments")}"))
            .Concat(topology.GetProperty("queues").EnumerateArray()
                .Select(queue => $"queue {queue.GetProperty("name")} {queue.GetProperty("arguments").GetProperty("x-queue-type")}"))
            .Concat(topology.GetProperty("bindings").EnumerateArray()
                .Select(binding => $"binding {binding.GetProperty("source")} -[{binding.GetProperty("routing_key")}]-> "
                    + $"{binding.GetProperty("destination_type")} {binding.GetProperty("destination")} {JsonArguments(binding, "arguments")}"));
        var manifests = OfKind("Policy").Select(policy => At(policy, "spec"))
            .Select(spec => $"policy {Text(spec, "name")} {Text(spec, "pattern")} {Text(spec, "applyTo")} {YamlArguments(spec, "definition")}")
            .Concat(OfKind("Exchange").Select(exchange => At(exchange, "spec"))
                .Select(spec => $"exchange {Text(spec, "name")} {Text(spec, "type")} {YamlArguments(spec, "arguments")}"))
            .Concat(OfKind("Queue").Select(queue => At(queue, "spec")).Select(spec => $"queue {Text(spec, "name")} {Text(spec, "type")}"))
            .Concat(OfKind("Binding").Select(binding => At(binding, "spec"))
                .Select(spec => $"binding {Text(spec, "source")} -[{Yaml.Text(spec, "routingKey") ?? ""}]-> "
                    + $"{Text(spec, "destinationType")} {Text(spec, "destination")} {YamlArguments(spec, "arguments")}"));

        Assert.Equal(declared.Order(StringComparer.Ordinal), manifests.Order(StringComparer.Ordinal));
        Assert.All(OfKind("Exchange").Concat(OfKind("Queue")).Concat(OfKind("Binding")).Concat(OfKind("Policy")),
            entity => Assert.Equal("alerts", Text(entity, "spec", "vhost")));
    }
}
