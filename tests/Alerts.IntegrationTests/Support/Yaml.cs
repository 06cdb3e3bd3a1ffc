using YamlDotNet.RepresentationModel;

namespace Alerts.IntegrationTests.Support;

/// <summary>Reads a value out of a compose file or a manifest by its path: keys for mappings, indexes for sequences.</summary>
public static class Yaml
{
    /// <returns>The node at <paramref name="path"/>, or null when any step of it is missing.</returns>
    public static YamlNode? At(YamlNode node, params object[] path) => path.Aggregate<object, YamlNode?>(node, (current, step) => (current, step) switch
    {
        (YamlMappingNode mapping, string key) => mapping.Children.TryGetValue(new YamlScalarNode(key), out var next) ? next : null,
        (YamlSequenceNode sequence, int index) when index < sequence.Children.Count => sequence[index],
        _ => null,
    });

    public static string? Text(YamlNode node, params object[] path) => (At(node, path) as YamlScalarNode)?.Value;
}
