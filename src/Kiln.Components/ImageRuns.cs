using System.Runtime.CompilerServices;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Images;
using Kiln.Model;
using Kiln.Targets;

namespace Kiln.Components;

/// <summary>The image run a build started, kept beside the build object (interfaces hold no fields).</summary>
internal static class ImageRuns
{
    private static readonly ConditionalWeakTable<IKilnBuild, Started> Runs = [];

    public static void Start(IKilnBuild build, ImageBuildRun run, CancellationToken cancellationToken) =>
        Runs.AddOrUpdate(build, new Started(run, run.RunAsync(cancellationToken)));

    public static async Task WaitAsync(IKilnBuild build, Stage stage, CancellationToken cancellationToken)
    {
        var started = Get(build);
        await Task.WhenAny(started.Run.WaitForStageAsync(stage, cancellationToken), started.Results);
        cancellationToken.ThrowIfCancellationRequested();
    }

    public static async Task FinishAsync(IKilnBuild build, CancellationToken cancellationToken)
    {
        var started = Get(build);
        var results = await started.Results.WaitAsync(cancellationToken);
        foreach (var line in ImageSummary.Render(results).Split('\n'))
        {
            build.Session.Info(line);
        }

        var failed = results.Where(r => !r.Succeeded).ToList();
        build.Session.Info($"images: {results.Count(r => r.Status == BuildStatus.Built)} built, {results.Count(r => r.Status == BuildStatus.UpToDate)} up to date, {failed.Count} not built; manifest: {Path.GetRelativePath(build.Session.RootDirectory, started.Run.ManifestPath)}");
        if (failed.Count > 0)
        {
            throw new KilnException(
                $"{failed.Count} image build(s) did not succeed: {string.Join("; ", failed.Select(f => $"{f.Name} {f.Status.ToString().ToLowerInvariant()}{(f.Reason is null ? "" : ": " + f.Reason)}"))}",
                failed.Select(f => f.Hint).FirstOrDefault(h => h is not null) ?? "See the build log above; --on-error abort keeps a failed machine for inspection.");
        }
    }

    private static Started Get(IKilnBuild build) =>
        Runs.TryGetValue(build, out var started) ? started : throw new InvalidOperationException("BootImages has not started the image builds.");

    private sealed record Started(ImageBuildRun Run, Task<IReadOnlyList<Kiln.Engine.BuildResult>> Results);
}
