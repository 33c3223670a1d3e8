using System.Collections.Concurrent;
using Docker.DotNet.Models;
using Kiln.Builders.Docker;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Docker;

/// <summary>Builds against the fixture's engine, and asks the engine what a build left behind.</summary>
internal static class DockerTestBuild
{
    public static DockerSourceConfig Config(
        DockerEngineFixture engine,
        IReadOnlyDictionary<string, string>? env = null,
        IReadOnlyList<string>? changes = null,
        IReadOnlyList<string>? tags = null,
        bool squash = false,
        IReadOnlyList<string>? runCommand = null,
        string? image = null,
        bool tiny = false) =>
        new()
        {
            RootfsTarball = image is null ? (tiny ? engine.TinyTarball : engine.BaseTarball) : null,
            Image = image,
            DockerHost = engine.Host,
            NetworkMode = "none",
            Env = env ?? new Dictionary<string, string>(),
            Changes = changes ?? [],
            Tags = tags ?? [],
            Squash = squash,
            RunCommand = runCommand ?? ["/bin/sh"],
        };

    public static BuildContext Context(
        DockerSourceConfig config,
        MemoryLedger? ledger = null,
        TestLog? log = null,
        IReadOnlyList<ResolvedPlugin<ProvisionerConfig>>? verify = null,
        string image = "web") =>
        TestBuild.Context(config, type: "docker", image: image, source: "container", ledger: ledger, log: log, verify: verify);

    /// <summary>Containers and images on the engine that Kiln made for a run (by name, label or intermediate tag).</summary>
    public static async Task<IReadOnlyList<string>> LeftoversAsync(DockerEngineFixture engine, string runId, CancellationToken cancellationToken)
    {
        using var client = engine.CreateClient();
        var containers = await client.Containers.ListContainersAsync(new ContainersListParameters { All = true }, cancellationToken);
        var images = await client.Images.ListImagesAsync(new ImagesListParameters { All = true }, cancellationToken);
        return
        [
            .. containers
                .Where(c => c.Names.Any(n => n.Contains(runId, StringComparison.Ordinal))
                    || (c.Labels?.TryGetValue(DockerResources.RunLabel, out var run) == true && run == runId))
                .Select(c => $"container {string.Join(",", c.Names)} ({c.State})"),
            .. images
                .SelectMany(i => i.RepoTags ?? [])
                .Where(t => t.Contains(runId, StringComparison.Ordinal))
                .Select(t => $"image {t}"),
        ];
    }

    public static async Task<string> RunAsync(ICommunicator communicator, string command, CancellationToken cancellationToken)
    {
        var output = new CollectingOutput();
        var result = await communicator.ExecuteAsync(new RemoteCommand(command), output, cancellationToken);
        Assert.True(result.ExitCode == 0, $"'{command}' exited {result.ExitCode}: {output.Text}");
        return output.Stdout;
    }
}

internal sealed class CollectingOutput : ICommandOutput
{
    private readonly ConcurrentQueue<(bool Error, string Line)> _lines = new();

    public IReadOnlyList<string> StdoutLines => [.. _lines.Where(l => !l.Error).Select(l => l.Line)];

    public IReadOnlyList<string> StderrLines => [.. _lines.Where(l => l.Error).Select(l => l.Line)];

    public string Stdout => string.Join("\n", StdoutLines);

    public string Text => string.Join("\n", _lines.Select(l => (l.Error ? "stderr: " : "stdout: ") + l.Line));

    public void StandardOutput(string line) => _lines.Enqueue((false, line));

    public void StandardError(string line) => _lines.Enqueue((true, line));
}
