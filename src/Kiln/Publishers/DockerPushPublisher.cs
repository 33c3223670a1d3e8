using System.ComponentModel;
using Docker.DotNet;
using Docker.DotNet.Models;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Docker;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Publishers;

[Description("Pushes the built image to a registry, with credentials that never reach a log.")]
internal sealed class DockerPushConfig : PublisherConfig, IValidatableConfig
{
    [Description("Registry user. Fill it from a variable.")]
    public string? Username { get; init; }

    [Description("Registry password or token. Fill it from a sensitive variable; it is masked in every log line.")]
    public string? Password { get; init; }

    [Description("Push to this repository (registry/path) instead of under the image's own tags.")]
    public string? Repository { get; init; }

    [Description("With repository: the tags to push. Defaults to the tags of the image's own tags.")]
    public IReadOnlyList<string> Tags { get; init; } = [];

    [Description("The registry to authenticate with. Defaults to the registry in the pushed reference.")]
    public string? ServerAddress { get; init; }

    public IEnumerable<ConfigProblem> Validate()
    {
        if (string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password))
        {
            yield return new ConfigProblem(
                string.IsNullOrEmpty(Username) ? "username" : "password",
                "username and password go together.",
                "Set both (from variables), or neither to push without logging in.");
        }

        if (Repository is { Length: > 0 } repository && (!ImageReference.TryParse(repository, out var parsed) || parsed.Tag is not null || parsed.Digest is not null))
        {
            yield return new ConfigProblem("repository", $"'{repository}' is not a repository.", "Write registry/path without a tag, for example registry.example.com/team/app.");
        }

        if (Tags.Count > 0 && string.IsNullOrEmpty(Repository))
        {
            yield return new ConfigProblem("tags", "tags need a repository.", "Without repository, the image's own tags are pushed.");
        }
    }
}

internal sealed class DockerPushPublisher : Publisher<DockerPushConfig>
{
    public override string Type => "docker-push";

    protected override async Task<IReadOnlyList<Artifact>> PublishAsync(
        DockerPushConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        // Before anything can print it, including the engine's error messages.
        if (!string.IsNullOrEmpty(config.Password))
        {
            state.Context.Redactor.Add(config.Password);
        }

        var results = new List<Artifact>();
        foreach (var image in DockerPublishing.DockerInputs(inputs, Type))
        {
            using var engine = DockerPublishing.Engine(state, image);
            var imageId = image.CustomData["image_id"];
            var references = References(config, image);
            var pushed = new List<string>();
            string? digest = null;
            ImageReference? first = null;
            foreach (var reference in references)
            {
                first ??= reference;
                if (config.Repository is not null)
                {
                    await engine.Client.Images.TagImageAsync(imageId, new ImageTagParameters { RepositoryName = reference.Repository, Tag = reference.Tag }, cancellationToken);
                }

                digest = await PushAsync(engine.Client, state, config, reference, cancellationToken);
                pushed.Add(reference.ToString());
            }

            var pinned = $"{first!.Repository}@{digest}";
            state.Context.Log.Info($"pushed {string.Join(", ", pushed)} ({digest})");
            results.Add(new Artifact
            {
                BuilderType = "docker",
                Id = pinned,
                Outputs = new Dictionary<string, string>
                {
                    ["image"] = pinned,
                    ["digest"] = digest!,
                    ["image_id"] = imageId,
                },
                CustomData = new Dictionary<string, string>
                {
                    ["image_id"] = imageId,
                    ["digest"] = digest!,
                    ["pushed"] = string.Join(",", pushed),
                    ["tags"] = string.Join(",", pushed),
                    ["registry"] = first.Registry ?? "docker.io",
                    ["docker_host"] = image.CustomData.GetValueOrDefault("docker_host", ""),
                },
            });
        }

        return results;
    }

    private static List<ImageReference> References(DockerPushConfig config, Artifact image)
    {
        var own = DockerPublishing.Tags(image).Select(ImageReference.Parse).ToList();
        if (config.Repository is not { Length: > 0 } repository)
        {
            return own.Count > 0
                ? own
                : throw new KilnException("The image has no tags to push.", "Give the docker source tags, or give docker-push a repository.");
        }

        var tags = config.Tags.Count > 0 ? config.Tags : [.. own.Select(r => r.TagOrLatest).Distinct()];
        return [.. (tags.Count > 0 ? tags : ["latest"]).Select(t => new ImageReference(repository, t, null))];
    }

    private static async Task<string> PushAsync(
        IDockerClient client, BuildState state, DockerPushConfig config, ImageReference reference, CancellationToken cancellationToken)
    {
        var registry = config.ServerAddress ?? reference.Registry ?? "https://index.docker.io/v1/";
        var auth = string.IsNullOrEmpty(config.Username)
            ? new AuthConfig { ServerAddress = registry }
            : new AuthConfig { Username = config.Username, Password = config.Password, ServerAddress = registry };
        using var task = state.Context.Progress.Start($"pushing {reference}");
        var progress = new JsonMessageProgress(state.Context.Log, task);
        try
        {
            await client.Images.PushImageAsync(reference.Repository, new ImagePushParameters { Tag = reference.TagOrLatest }, auth, progress, cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw new KilnException(
                state.Context.Redactor.Redact($"Pushing {reference} failed: {DockerEngine.ErrorMessage(ex)}"),
                "Check the registry address and the credentials (username/password).",
                null);
        }

        if (progress.Error is { } error)
        {
            throw new KilnException(
                state.Context.Redactor.Redact($"Pushing {reference} to {registry} failed: {error}"),
                "Check the credentials (username/password) and that the user may push to this repository.");
        }

        return progress.Digest
            ?? (await client.Images.InspectImageAsync(reference.ToString(), cancellationToken)).RepoDigests?
                .FirstOrDefault(d => d.StartsWith(reference.Repository + "@", StringComparison.Ordinal))?.Split('@')[1]
            ?? throw new KilnException($"The engine pushed {reference} but reported no digest.");
    }
}
