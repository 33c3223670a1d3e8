using System.Diagnostics;
using Kiln.Consoles;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Model;
using Kiln.Publishers;
using Kiln.Sessions;
using Kiln.Steps;

namespace Kiln.Images;

/// <summary>
/// The publish-only mode: the outputs of builds that ran elsewhere with their publish stage skipped (CI image jobs)
/// are verified against their manifests, copied into the output folder, and handed to their definitions' publish
/// chains, build after build in dependency order. Nothing boots and nothing is built; each build's publishers record it
/// in the run's manifest (appended whole under a lock, as in any run).
/// </summary>
internal static class PublishBuiltRun
{
    public static async Task<ImageBuildOutcome> RunAsync(ImageBuildSettings settings, string inputs, CancellationToken cancellationToken)
    {
        var definitions = KilnImages.Load(settings);
        var output = settings.FullPath(settings.Output);
        var manifest = Path.Combine(output, "manifest.json");
        var runId = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
        var (console, interaction) = settings.Console is null
            ? BuildConsoles.ForCurrentProcess()
            : (settings.Console, settings.Interaction ?? new ConsoleInteraction(TextWriter.Null));
        var progress = console.CreateProgress("publish", definitions.Redactor);

        var built = await BuiltOutputs.VerifyAsync(settings.FullPath(inputs), definitions, progress, cancellationToken);
        HostPreflight.EnsurePublishers(
            built.Select(b => definitions.Resolve(b.Image, BuildScope.Symbolic with { ChecksLocalPaths = false }).Sources.Single(s => s.Name == b.Source)),
            settings.Catalog);
        var ledger = new DiskLedger(settings.LedgerDirectory ?? DiskLedger.DefaultDirectory(settings.WorkingDirectory), runId);
        var byName = built.ToDictionary(b => b.Name, StringComparer.Ordinal);
        var order = definitions.BuildOrder()
            .SelectMany(image => definitions[image].Sources.Select(s => $"{image}.{s.Name}"))
            .Where(byName.ContainsKey)
            .Select(name => byName[name])
            .ToList();
        var staged = new List<(BuiltOutput Build, IReadOnlyList<Artifact> Artifacts)>();
        foreach (var build in order)
        {
            staged.Add((build, await StageAsync(build, output, ledger, cancellationToken)));
        }

        var published = new Dictionary<string, List<Artifact>>(StringComparer.Ordinal);
        foreach (var (build, artifacts) in staged)
        {
            published.TryAdd(build.Image, []);
            published[build.Image].AddRange(artifacts);
        }

        var results = new List<BuildResult>();
        var runFolder = await LedgeredDirectory.CreateAsync(ledger, Path.Combine(BuildSessionOptions.DefaultWorkDirectory, runId), cancellationToken);
        try
        {
            foreach (var (build, artifacts) in staged)
            {
                var result = await PublishAsync(build, artifacts);
                results.Add(result);
                published[build.Image] = [.. published[build.Image].Where(a => !artifacts.Contains(a)), .. result.Artifacts];
                console.BuildChanged(result.Name, result.Status, null);
            }
        }
        finally
        {
            await runFolder.DeleteIfEmptyAsync();
        }

        console.Summary(results);
        return new ImageBuildOutcome(runId, output, manifest, results);

        async Task<BuildResult> PublishAsync(BuiltOutput build, IReadOnlyList<Artifact> artifacts)
        {
            var name = build.Name;
            var failedDependency = definitions[build.Image].DependsOn
                .FirstOrDefault(d => results.Any(r => r.Image == d.Name && !r.Succeeded))?.Name;
            if (failedDependency is not null)
            {
                return new BuildResult { Image = build.Image, Source = build.Source, Status = BuildStatus.Skipped, Reason = $"dependency '{failedDependency}' was not published" };
            }

            console.BuildChanged(name, BuildStatus.Running, Stage.Publish);
            var log = console.CreateLog(name, definitions.Redactor);
            var watch = Stopwatch.StartNew();
            await using var work = await LedgeredDirectory.CreateAsync(ledger, Path.Combine(runFolder.Path, name), cancellationToken);
            BuildState? state = null;
            try
            {
                var image = ImageBuildRun.WithRunManifest(definitions.Resolve(build.Image, new BuildScope
                {
                    RunId = runId,
                    OutputDirectory = source => Path.Combine(output, build.Image, source),
                    Dependencies = definitions[build.Image].DependsOn
                        .ToDictionary(d => d.Name, d => published.TryGetValue(d.Name, out var done) ? (IReadOnlyList<Artifact>)done : [], StringComparer.Ordinal),
                    ChecksLocalPaths = false,
                }), manifest);
                var context = new BuildContext
                {
                    RunId = runId,
                    Image = image,
                    Source = image.Sources.Single(s => s.Name == build.Source),
                    OutputDirectory = Path.Combine(output, build.Image, build.Source),
                    WorkDirectory = work.Path,
                    Log = log,
                    Ledger = ledger,
                    Progress = console.CreateProgress(name, definitions.Redactor),
                    Interaction = settings.Interaction ?? interaction,
                    Redactor = definitions.Redactor,
                    Plugins = settings.Catalog,
                    ManifestPath = manifest,
                };
                state = new PublishOnlyState(context) { Fingerprint = build.Fingerprint };
                state.Artifacts.AddRange(artifacts);
                log.Info($"publishing what run {build.RunId} built and verified ({artifacts.Sum(a => a.Files.Count)} file(s), sha256 checked)");
                await new PublishChains().RunAsync(state, cancellationToken);
                return Result(BuildStatus.Built);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                var reason = definitions.Redactor.Redact(ex.Message);
                log.Error(reason);
                var hint = (ex as KilnException)?.Hint;
                return Result(BuildStatus.Failed, reason, hint is null ? null : definitions.Redactor.Redact(hint), ex);
            }

            BuildResult Result(BuildStatus status, string? reason = null, string? hint = null, Exception? exception = null) => new()
            {
                Image = build.Image,
                Source = build.Source,
                Status = status,
                Reason = reason,
                Hint = hint,
                Exception = exception,
                Duration = watch.Elapsed,
                StageDurations = new Dictionary<Stage, TimeSpan> { [Stage.Publish] = watch.Elapsed },
                Artifacts = state is null ? [] : [.. state.Artifacts],
                Timings = state is null ? [] : [.. state.Timings],
            };
        }
    }

    /// <summary>
    /// Puts a verified build's files where its publishers expect them (the same place relative to the output folder
    /// as to the downloaded manifest); each lands whole or not at all. Files recorded outside their output folder stay put.
    /// </summary>
    private static async Task<IReadOnlyList<Artifact>> StageAsync(BuiltOutput build, string output, ILedger ledger, CancellationToken cancellationToken)
    {
        var artifacts = new List<Artifact>();
        foreach (var artifact in build.Artifacts)
        {
            var files = new List<ArtifactFile>();
            foreach (var file in artifact.Files)
            {
                var relative = Path.GetRelativePath(build.Root, file.Path);
                if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
                {
                    files.Add(file);
                    continue;
                }

                var target = Path.Combine(output, relative);
                if (Path.GetFullPath(target) != Path.GetFullPath(file.Path))
                {
                    await PartialFile.WriteAsync(target, ledger, async (stream, ct) =>
                    {
                        await using var source = StreamCopy.OpenRead(file.Path);
                        await source.CopyToAsync(stream, StreamCopy.BufferSize, ct);
                    }, cancellationToken);
                }

                files.Add(file with { Path = target });
            }

            // The outputs already point at the downloaded files (ManifestReader); now they follow them into the output folder.
            var moved = artifact.Files.Zip(files, (before, after) => (Name: Path.GetRelativePath(build.Root, before.Path).Replace('\\', '/'), after.Path)).ToList();
            artifacts.Add(artifact with { Files = files, Outputs = ManifestReader.FollowFiles(artifact.Outputs, moved) });
        }

        return artifacts;
    }

    private sealed class PublishOnlyState(BuildContext context) : BuildState(context);
}
