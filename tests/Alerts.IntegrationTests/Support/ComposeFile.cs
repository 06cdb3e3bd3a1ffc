using YamlDotNet.RepresentationModel;

namespace Alerts.IntegrationTests.Support;

/// <summary>docker-compose.yml as a real compose tool resolves it (anchors merged, variables substituted).</summary>
public sealed class ComposeFile
{
    ComposeFile(YamlMappingNode services) => Services = services;

    public YamlMappingNode Services { get; }

    public static readonly IReadOnlyDictionary<string, string?> Passwords = new Dictionary<string, string?>
    {
        ["ALERTS_PRODUCER_PASSWORD"] = $"producer-{Guid.NewGuid():N}",
        ["ALERTS_CONSUMER_PASSWORD"] = $"consumer-{Guid.NewGuid():N}",
        ["ALERTS_OPERATOR_PASSWORD"] = $"operator-{Guid.NewGuid():N}",
        ["ALERTS_FRONT_DOOR_AMQP_PASSWORD"] = $"front-door-{Guid.NewGuid():N}",
        ["ALERTS_FRONT_DOOR_TOKEN"] = $"token-{Guid.NewGuid():N}",
        ["ALERTS_ONCALL_PASSWORD"] = $"oncall-{Guid.NewGuid():N}",
    };

    /// <summary>Runs <c>docker-compose config</c> with only the given passwords: a developer's own .env or variables do not count.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> ConfigAsync(IReadOnlyDictionary<string, string?> passwords)
    {
        var emptyEnvFile = Path.GetTempFileName();
        try
        {
            return await Repository.RunAsync(Repository.DockerCompose(),
                ["--project-directory", Repository.Root, "--env-file", emptyEnvFile, "-f", Repository.PathOf("docker-compose.yml"), "config"],
                environment: Passwords.Keys.Select(name => new KeyValuePair<string, string?>(name, passwords.GetValueOrDefault(name))));
        }
        finally
        {
            File.Delete(emptyEnvFile);
        }
    }

    public static async Task<ComposeFile> ResolveAsync()
    {
        var (exitCode, output, error) = await ConfigAsync(Passwords);
        Assert.True(exitCode == 0, $"docker-compose config failed: {error}");
        var yaml = new YamlStream();
        yaml.Load(new StringReader(output));
        return new ComposeFile((YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"]);
    }

    public YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    public IEnumerable<string> ServiceNames => Services.Children.Keys.Select(key => ((YamlScalarNode)key).Value!);

    public IReadOnlyDictionary<string, string> Environment(string service) =>
        Service(service).Children.TryGetValue(new YamlScalarNode("environment"), out var environment)
            ? ((YamlMappingNode)environment).Children.ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => ((YamlScalarNode)pair.Value).Value ?? "")
            : new Dictionary<string, string>();

    /// <summary>The program a service runs: the Dockerfile target its image is built from.</summary>
    public string? Program(string service) => Yaml.Text(Service(service), "build", "target") switch
    {
        "consumer" => "Alerts.Consumer",
        "producer" => "Alerts.Producer",
        _ => null,
    };
}
