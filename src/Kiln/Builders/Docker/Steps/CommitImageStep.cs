using Docker.DotNet;
using Docker.DotNet.Models;
using Kiln.Diagnostics;
using Kiln.Docker;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Docker.Steps;

/// <summary>
/// Commits the build container into an image (or, with squash, exports and re-imports its filesystem), applies
/// the configured changes and tags, and records the artifact. The image stays in the ledger until the build ends:
/// when a later step fails or the build is cancelled, cleanup removes it, so a tag never points at an image
/// whose build did not finish.
/// </summary>
internal sealed class CommitImageStep : IStep<DockerBuildState>
{
    private ILedgerEntry? _entry;

    public string Name => "docker-commit";

    public Stage Stage => Stage.Capture;

    public async Task RunAsync(DockerBuildState state, CancellationToken cancellationToken)
    {
        var container = state.BuildContainer ?? throw new InvalidOperationException("There is no build container to commit.");
        var config = state.Config;
        var reference = state.IntermediateReference("image");
        _entry = await state.Context.Ledger.RecordAsync(DockerResources.Image(reference, state.DockerHost), cancellationToken);

        string imageId;
        try
        {
            imageId = config.Squash
                ? await SquashAsync(state, container, reference, cancellationToken)
                : await CommitAsync(state, container, reference, cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw DockerEngine.Explain(ex, $"commit container {container.Name}", "Check the changes: each is one Dockerfile instruction.");
        }

        state.ImageId = imageId;
        await _entry.UpdateAsync(DockerResources.Image(imageId, state.DockerHost), cancellationToken);

        var tags = config.Tags.Count > 0
            ? config.Tags
            : [$"kiln/{DockerNames.Sanitize(state.Context.Image.Name)}:{DockerNames.Sanitize(state.Context.Source.Name)}"];
        foreach (var tag in tags)
        {
            var parsed = ImageReference.Parse(tag);
            await state.Engine.Images.TagImageAsync(imageId, new ImageTagParameters { RepositoryName = parsed.Repository, Tag = parsed.TagOrLatest }, cancellationToken);
        }

        // The working tag has served its purpose (findable before the id was known); the real tags hold the image now.
        await DockerImages.RemoveAsync(state.Engine, reference, cancellationToken);
        state.ImageTags = [.. tags.Select(t => ImageReference.Parse(t) is { Tag: null } r ? $"{r}:latest" : t)];

        var inspected = await state.Engine.Images.InspectImageAsync(imageId, cancellationToken);
        state.Context.Log.Info($"image {DockerNames.Short(imageId)} tagged {string.Join(", ", state.ImageTags)}");
        state.Artifacts.Add(new Artifact
        {
            BuilderType = "docker",
            Id = imageId,
            Outputs = new Dictionary<string, string>
            {
                ["image_id"] = imageId,
                ["image"] = state.ImageTags[0],
            },
            CustomData = new Dictionary<string, string>
            {
                ["image_id"] = imageId,
                ["tags"] = string.Join(",", state.ImageTags),
                ["base_image_id"] = state.BaseImageId ?? "",
                ["docker_host"] = state.DockerHost,
                ["squashed"] = config.Squash ? "true" : "false",
                ["size"] = inspected.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["layers"] = (inspected.RootFS?.Layers?.Count ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        });
    }

    public async Task CleanupAsync(DockerBuildState state, CancellationToken cancellationToken)
    {
        if (_entry is null)
        {
            return;
        }

        var failed = state.ImageId is null || state.Timings.Any(t => t.Outcome is StepOutcome.Failed or StepOutcome.Cancelled);
        if (failed && state.Client is { } client)
        {
            // Removes the image with every tag this build gave it.
            await DockerImages.RemoveAsync(client, _entry.Resource.Id, cancellationToken, force: true);
            state.Context.Log.Info($"removed image {DockerNames.Short(_entry.Resource.Id)}: the build did not finish");
        }

        await _entry.ReleaseAsync(cancellationToken);
        _entry = null;
    }

    private static async Task<string> CommitAsync(DockerBuildState state, ContainerLease container, string reference, CancellationToken cancellationToken)
    {
        var parsed = ImageReference.Parse(reference);
        var parameters = BaseConfig(state);
        parameters.ContainerID = container.Id!;
        parameters.RepositoryName = parsed.Repository;
        parameters.Tag = parsed.Tag;
        parameters.Changes = [.. state.Config.Changes];
        parameters.Pause = true;
        parameters.Comment = $"kiln {state.Context.BuildName}";
        var response = await state.Engine.Images.CommitContainerChangesAsync(parameters, cancellationToken);
        return response.ID;
    }

    private static async Task<string> SquashAsync(DockerBuildState state, ContainerLease container, string reference, CancellationToken cancellationToken)
    {
        var parsed = ImageReference.Parse(reference);
        // An import starts with an empty config: the base image's config is written back as instructions first,
        // so the user's changes apply on top of it exactly as they do for a commit.
        var changes = ImageChanges.FromConfig(state.BaseImageConfig).Concat(state.Config.Changes).ToList();
        using var task = state.Context.Progress.Start($"squashing {container.Name}");
        var progress = new JsonMessageProgress(state.Context.Log, task);
        await state.Engine.Containers.PauseContainerAsync(container.Id!, cancellationToken);
        try
        {
            await using var export = await state.Engine.Containers.ExportContainerAsync(container.Id!, cancellationToken);
            await using var counted = new ProgressStream(export, task);
            await state.Engine.Images.CreateImageAsync(
                new ImagesCreateParameters { Repo = parsed.Repository, Tag = parsed.Tag, Changes = changes, Message = $"kiln {state.Context.BuildName}" },
                counted,
                null,
                progress,
                cancellationToken);
        }
        finally
        {
            await state.Engine.Containers.UnpauseContainerAsync(container.Id!, CancellationToken.None);
        }

        if (progress.Error is { } error)
        {
            throw new KilnException($"Docker engine could not squash {container.Name}: {error}", "Check the changes: each is one Dockerfile instruction.");
        }

        return (await state.Engine.Images.InspectImageAsync(reference, cancellationToken)).ID;
    }

    /// <summary>
    /// The commit's config, from the base image. Without it the engine would start from the build container's
    /// config: its run command as ENTRYPOINT and its terminal settings would end up in the image.
    /// </summary>
    private static CommitContainerChangesParameters BaseConfig(DockerBuildState state)
    {
        var b = state.BaseImageConfig;
        return new CommitContainerChangesParameters
        {
            User = b.User ?? "",
            ExposedPorts = b.ExposedPorts,
            Env = b.Env ?? [],
            Cmd = b.Cmd!,
            Entrypoint = b.Entrypoint ?? [],
            Volumes = b.Volumes!,
            WorkingDir = b.WorkingDir ?? "",
            Labels = b.Labels ?? new Dictionary<string, string>(),
            StopSignal = b.StopSignal,
            Healthcheck = b.Healthcheck,
            OnBuild = b.OnBuild,
            Shell = b.Shell,
            ArgsEscaped = b.ArgsEscaped,
        };
    }
}
