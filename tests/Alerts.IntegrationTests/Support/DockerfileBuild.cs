using System.Text.RegularExpressions;

namespace Alerts.IntegrationTests.Support;

/// <summary>
/// The Dockerfile read line by line, and its build stage run on this machine the way <c>docker build</c> runs it:
/// the COPY lines copy from the repository (minus .dockerignore) into an empty folder standing for the image's
/// file system, the RUN lines run there. So a file the build needs but does not copy fails here as it would there.
/// </summary>
public sealed partial class DockerfileBuild
{
    public sealed record Stage(string Image, string Name, IReadOnlyList<(string Instruction, string Arguments)> Lines);

    DockerfileBuild(IReadOnlyList<Stage> stages) => Stages = stages;

    public IReadOnlyList<Stage> Stages { get; }

    public static DockerfileBuild Read(string path)
    {
        var stages = new List<Stage>();
        List<(string, string)> lines = [];
        var text = File.ReadAllText(path).Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (var line in text.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')))
        {
            var (instruction, arguments) = (line.Split(' ', 2)[0].ToUpperInvariant(), line.Split(' ', 2).ElementAtOrDefault(1)?.Trim() ?? "");
            if (instruction == "FROM")
            {
                var from = FromLine().Match(arguments);
                lines = [];
                stages.Add(new Stage(from.Groups["image"].Value, from.Groups["name"].Value, lines));
            }
            else
            {
                lines.Add((instruction, arguments));
            }
        }

        return new DockerfileBuild(stages);
    }

    public Stage this[string name] => Stages.Single(stage => stage.Name == name);

    /// <summary>Runs a stage's COPY, WORKDIR and RUN lines in <paramref name="fileSystem"/>; fails with what a RUN printed.</summary>
    public async Task RunAsync(string stageName, string fileSystem)
    {
        var ignored = File.ReadAllLines(Repository.PathOf(".dockerignore"))
            .Select(line => line.Trim()).Where(line => line.StartsWith("**/", StringComparison.Ordinal) && line.EndsWith('/'))
            .Select(line => line[3..^1]).ToHashSet();
        var workingDirectory = fileSystem;
        foreach (var (instruction, arguments) in this[stageName].Lines)
        {
            switch (instruction)
            {
                case "WORKDIR":
                    workingDirectory = Map(fileSystem, arguments);
                    Directory.CreateDirectory(workingDirectory);
                    break;
                case "COPY":
                    var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    var destination = Path.Combine(workingDirectory, parts[^1]);
                    foreach (var source in parts[..^1])
                    {
                        Copy(Repository.PathOf(source), source.EndsWith('/') || Directory.Exists(Repository.PathOf(source)) ? destination : Path.Combine(destination, Path.GetFileName(source)), ignored);
                    }

                    break;
                case "RUN":
                    var command = OutputPaths().Aggregate(arguments, (text, path) => text.Replace(path, Map(fileSystem, path), StringComparison.Ordinal));
                    var (exitCode, output, error) = await Repository.RunAsync("/bin/sh", ["-c", command], workingDirectory);
                    Assert.True(exitCode == 0, $"RUN {arguments} failed ({exitCode}):{Environment.NewLine}{output}{error}");
                    break;
            }
        }
    }

    /// <summary>What a final stage takes from the build stage: <c>COPY --from=build /app/consumer .</c>.</summary>
    public static string CopiedFrom(Stage stage) =>
        stage.Lines.Where(line => line.Instruction == "COPY" && line.Arguments.StartsWith("--from=", StringComparison.Ordinal))
            .Select(line => line.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).Single();

    public static string Map(string fileSystem, string absolutePath) => Path.Combine(fileSystem, absolutePath.TrimStart('/'));

    IEnumerable<string> OutputPaths() => Stages.Where(stage => stage.Lines.Any(line => line.Arguments.StartsWith("--from=", StringComparison.Ordinal))).Select(CopiedFrom);

    static void Copy(string source, string destination, HashSet<string> ignored)
    {
        if (File.Exists(source))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(source, destination, overwrite: true);
            return;
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (!relative.Split(Path.DirectorySeparatorChar).SkipLast(1).Any(ignored.Contains))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(destination, relative))!);
                File.Copy(file, Path.Combine(destination, relative), overwrite: true);
            }
        }
    }

    [GeneratedRegex(@"^(?<image>\S+)(\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();
}
