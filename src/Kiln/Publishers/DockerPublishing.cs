using Docker.DotNet;
using Kiln.Diagnostics;
using Kiln.Docker;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Publishers;

/// <summary>What the docker publishers share: finding the docker artifacts among the inputs, and an engine client.</summary>
internal static class DockerPublishing
{
    public static IReadOnlyList<Artifact> DockerInputs(IReadOnlyList<Artifact> inputs, string publisher)
    {
        var images = inputs.Where(a => a.BuilderType == "docker" && a.CustomData.ContainsKey("image_id")).ToList();
        return images.Count > 0
            ? images
            : throw new KilnException(
                $"{publisher} has no docker image to publish: its inputs are {(inputs.Count == 0 ? "empty" : string.Join(", ", inputs.Select(a => a.BuilderType)))}.",
                $"Put {publisher} on a source of type docker (only/except), first in its publish chain.");
    }

    public static IReadOnlyList<string> Tags(Artifact image) =>
        image.CustomData.TryGetValue("tags", out var tags) && tags.Length > 0 ? tags.Split(',') : [];

    /// <summary>The build's own client while the build runs; otherwise a new one to the engine that made the image.</summary>
    public static Lease Engine(BuildState state, Artifact image) =>
        state is IDockerClientHolder { Client: { } client }
            ? new Lease(client, owned: false)
            : new Lease(DockerEngine.CreateClient(image.CustomData.TryGetValue("docker_host", out var host) ? host : DockerEngine.ResolveHost(null)), owned: true);

    public static string OutputPath(BuildState state, string? configured, string defaultName)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return Path.Combine(state.Context.OutputDirectory, defaultName);
        }

        var definitionDirectory = Path.GetDirectoryName(state.Context.Image.FilePath) ?? Directory.GetCurrentDirectory();
        return Path.GetFullPath(configured, definitionDirectory);
    }

    public sealed class Lease(IDockerClient client, bool owned) : IDisposable
    {
        public IDockerClient Client => client;

        public void Dispose()
        {
            if (owned)
            {
                client.Dispose();
            }
        }
    }
}
