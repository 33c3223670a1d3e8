using Docker.DotNet;
using Docker.DotNet.Models;
using Kiln.Docker;
using Kiln.Engine;

namespace Kiln.Builders.Docker;

/// <summary>What the docker builder's steps share.</summary>
internal sealed class DockerBuildState(DockerSourceConfig config, BuildContext context) : BuildState(context), IDockerClientHolder
{
    public DockerSourceConfig Config { get; } = config;

    /// <summary>The Engine API endpoint this build talks to.</summary>
    public string DockerHost { get; } = DockerEngine.ResolveHost(config.DockerHost);

    /// <summary>Set by the connect step, disposed by its cleanup.</summary>
    public IDockerClient? Client { get; set; }

    public IDockerClient Engine => Client ?? throw new InvalidOperationException("The docker builder is not connected to an engine yet.");

    /// <summary>The base image's id, and its config, which the committed image starts from.</summary>
    public string? BaseImageId { get; set; }

    public DockerOCIImageConfig BaseImageConfig { get; set; } = new();

    public ContainerLease? BuildContainer { get; set; }

    /// <summary>The committed (and possibly squashed) image.</summary>
    public string? ImageId { get; set; }

    public IReadOnlyList<string> ImageTags { get; set; } = [];

    /// <summary>A name unique to this build for things it creates on the engine (containers, intermediate tags).</summary>
    public string ResourceName(string role) =>
        $"kiln-{DockerNames.Sanitize(Context.RunId)}-{DockerNames.Sanitize(Context.Source.Name)}-{role}";

    /// <summary>A tag no other build uses, for an image that must be findable by name before it exists.</summary>
    public string IntermediateReference(string role)
    {
        var tag = $"{DockerNames.Sanitize(Context.Source.Name)}-{role}";
        return $"kiln-intermediate/{DockerNames.Sanitize(Context.RunId)}:{tag[..Math.Min(tag.Length, 128)]}";
    }
}
