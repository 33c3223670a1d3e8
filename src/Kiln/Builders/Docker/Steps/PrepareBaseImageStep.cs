using Docker.DotNet;
using Docker.DotNet.Models;
using Kiln.Diagnostics;
using Kiln.Docker;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Docker.Steps;

/// <summary>Makes the base image available on the engine: imports a rootfs tarball, or pulls a reference when needed.</summary>
internal sealed class PrepareBaseImageStep : IStep<DockerBuildState>
{
    private ILedgerEntry? _imported;
    private string? _importedReference;

    public string Name => "docker-base-image";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(DockerBuildState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var image = config.RootfsTarball is { Length: > 0 } tarball
            ? await ImportAsync(state, tarball, cancellationToken)
            : await EnsurePulledAsync(state, config.Image!, cancellationToken);

        var inspected = await state.Engine.Images.InspectImageAsync(image, cancellationToken);
        state.BaseImageId = inspected.ID;
        state.BaseImageConfig = inspected.Config ?? new DockerOCIImageConfig();
        state.Context.Log.Info($"base image {DockerNames.Short(inspected.ID)} ({image})");
    }

    public async Task CleanupAsync(DockerBuildState state, CancellationToken cancellationToken)
    {
        if (_imported is null || _importedReference is null)
        {
            return;
        }

        if (!state.Config.KeepIntermediateImages && state.Client is { } client)
        {
            // Untags the import; its layer stays as long as the committed image is built on it.
            await DockerImages.RemoveAsync(client, _importedReference, cancellationToken);
        }

        await _imported.ReleaseAsync(cancellationToken);
        _imported = null;
    }

    private async Task<string> ImportAsync(DockerBuildState state, string tarball, CancellationToken cancellationToken)
    {
        var path = state.Context.Image.ResolvePath(tarball);
        if (!File.Exists(path))
        {
            throw new KilnException(
                $"rootfs_tarball '{tarball}' does not exist (resolved to {path}).",
                "Paths are relative to the definition file; mmdebstrap --format=tar bookworm base.tar makes one.");
        }

        var reference = ImageReference.Parse(state.IntermediateReference("base"));
        _importedReference = reference.ToString();
        _imported = await state.Context.Ledger.RecordAsync(DockerResources.Image(_importedReference, state.DockerHost), cancellationToken);

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        using var task = state.Context.Progress.Start($"importing {Path.GetFileName(path)}", file.Length);
        await using var counted = new ProgressStream(file, task);
        var progress = new JsonMessageProgress(state.Context.Log, task);
        try
        {
            await state.Engine.Images.CreateImageAsync(
                new ImagesCreateParameters { Repo = reference.Repository, Tag = reference.Tag, Message = $"rootfs {Path.GetFileName(path)}" },
                counted,
                null,
                progress,
                cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw DockerEngine.Explain(ex, $"import {path}", "rootfs_tarball must be a tar of a root filesystem (gzip, bzip2 and xz are fine).");
        }

        if (progress.Error is { } error)
        {
            throw new KilnException($"Docker engine could not import {path}: {error}", "rootfs_tarball must be a tar of a root filesystem.");
        }

        return _importedReference;
    }

    private static async Task<string> EnsurePulledAsync(DockerBuildState state, string image, CancellationToken cancellationToken)
    {
        var policy = state.Config.Pull;
        if (policy != DockerPullPolicy.Always && await DockerImages.ExistsAsync(state.Engine, image, cancellationToken))
        {
            return image;
        }

        if (policy == DockerPullPolicy.Never || DockerSourceConfig.IsImageId(image) || !ImageReference.TryParse(image, out var reference))
        {
            throw new KilnException(
                $"Base image '{image}' is not on the Docker engine at {state.DockerHost}.",
                policy == DockerPullPolicy.Never ? "Pull it first, or set pull: missing." : "An image id cannot be pulled: build or load that image first.");
        }

        using var task = state.Context.Progress.Start($"pulling {image}");
        var progress = new JsonMessageProgress(state.Context.Log, task);
        try
        {
            await state.Engine.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = reference.Repository, Tag = reference.Digest ?? reference.TagOrLatest },
                null,
                progress,
                cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw DockerEngine.Explain(ex, $"pull {image}", "Check the reference, the registry's reachability, and that the engine is logged in to it.");
        }

        if (progress.Error is { } error)
        {
            throw new KilnException($"Pulling {image} failed: {error}", "Check the reference, the registry's reachability, and that the engine is logged in to it.");
        }

        return image;
    }
}
