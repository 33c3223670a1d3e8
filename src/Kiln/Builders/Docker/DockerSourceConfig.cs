using System.ComponentModel;
using Kiln.Definitions;
using Kiln.Docker;

namespace Kiln.Builders.Docker;

[Description("Builds a container image: starts a container from a base image, provisions it, commits it.")]
internal sealed class DockerSourceConfig : SourceConfig, IValidatableConfig
{
    [Description("Base image reference (repository[:tag][@digest]); pulled when the engine does not have it. Another definition's output works too: ${image.<name>.artifact.image_id}.")]
    public string? Image { get; init; }

    [Description("A root filesystem tarball (for example from mmdebstrap --format=tar) imported as the base image. Relative to the definition file.")]
    public string? RootfsTarball { get; init; }

    [Description("When to pull the base image: missing, always or never.")]
    public DockerPullPolicy Pull { get; init; } = DockerPullPolicy.Missing;

    [Description("Docker Engine API endpoint (unix:///var/run/docker.sock, tcp://host:2375). Defaults to DOCKER_HOST, then the local socket.")]
    public string? DockerHost { get; init; }

    [Description("The process that keeps the build container alive while it is provisioned; it gets a terminal and waits on it.")]
    public IReadOnlyList<string> RunCommand { get; init; } = ["/bin/sh"];

    [Description("Environment of every provisioning command. Not written into the image: use changes (ENV) for that.")]
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    [Description("Host paths mounted into the build container: host path → container path. Relative host paths are relative to the definition file.")]
    public IReadOnlyDictionary<string, string> Volumes { get; init; } = new Dictionary<string, string>();

    [Description("Run the build container privileged.")]
    public bool Privileged { get; init; }

    [Description("The build container's network: bridge, host, none or a network name. Defaults to the engine's default.")]
    public string? NetworkMode { get; init; }

    [Description("Dockerfile instructions applied at commit: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR (also ONBUILD, VOLUME, STOPSIGNAL).")]
    public IReadOnlyList<string> Changes { get; init; } = [];

    [Description("Tags for the committed image, each repository:tag.")]
    public IReadOnlyList<string> Tags { get; init; } = [];

    [Description("Flatten the image into one layer (export the container, import the tarball) instead of adding a layer on top of the base.")]
    public bool Squash { get; init; }

    [Description("Keep the images made on the way (an imported rootfs, the unsquashed commit) instead of removing them.")]
    public bool KeepIntermediateImages { get; init; }

    public IEnumerable<ConfigProblem> Validate()
    {
        if (string.IsNullOrWhiteSpace(Image) == string.IsNullOrWhiteSpace(RootfsTarball))
        {
            yield return new ConfigProblem(
                "image",
                "Set exactly one of image and rootfs_tarball.",
                "image: debian:bookworm pulls a base; rootfs_tarball: base.tar imports one.");
        }

        if (!string.IsNullOrWhiteSpace(Image) && !Image.Contains("${", StringComparison.Ordinal) && !ImageReference.TryParse(Image, out _)
            && !IsImageId(Image))
        {
            yield return new ConfigProblem("image", $"'{Image}' is not an image reference or id.", "Write repository[:tag][@digest], for example debian:bookworm.");
        }

        if (RunCommand.Count == 0)
        {
            yield return new ConfigProblem("run_command", "run_command is empty.", "Leave it out to use /bin/sh, or give a process that does not exit.");
        }

        for (var i = 0; i < Changes.Count; i++)
        {
            if (ImageChanges.Problem(Changes[i]) is { } problem)
            {
                yield return new ConfigProblem(
                    $"changes[{i}]",
                    $"Change '{Changes[i]}' {problem}.",
                    $"Use one of {string.Join(", ", ImageChanges.Instructions.Order(StringComparer.Ordinal))}.");
            }
        }

        for (var i = 0; i < Tags.Count; i++)
        {
            if (!ImageReference.TryParse(Tags[i], out var tag) || tag.Digest is not null)
            {
                yield return new ConfigProblem(
                    $"tags[{i}]",
                    $"Tag '{Tags[i]}' is not repository[:tag].",
                    "Repositories are lowercase, for example registry.example.com:5000/team/app:1.0.");
            }
        }

        foreach (var (host, container) in Volumes)
        {
            if (!container.StartsWith('/'))
            {
                yield return new ConfigProblem($"volumes.{host}", $"Container path '{container}' is not absolute.", "Mount points in the container start with /.");
            }
        }
    }

    internal static bool IsImageId(string text) =>
        (text.StartsWith("sha256:", StringComparison.Ordinal) ? text[7..] : text) is { Length: >= 12 and <= 64 } hex
        && hex.All(char.IsAsciiHexDigitLower);
}
