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

    /// <summary>A build's cleanups are bounded by two minutes; this only keeps a stuck one from holding the exit forever.</summary>
    private static readonly TimeSpan CleanupWait = TimeSpan.FromMinutes(3);

    public static void Start(IKilnBuild build, ImageBuildRun run, CancellationToken cancellationToken) =>
        Runs.AddOrUpdate(build, new Started(run, run.RunAsync(cancellationToken)));

    public static async Task WaitAsync(IKilnBuild build, Stage stage, CancellationToken cancellationToken)
    {
        var started = Get(build);
        try
        {
            await Task.WhenAny(started.Run.WaitForStageAsync(stage, cancellationToken), started.Results);
            cancellationToken.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await LetCleanupsFinishAsync(build, started);
            throw;
        }
    }

    /// <summary>
    /// A cancelled target returns at once, and the host would then exit under the builds' cleanups: the target waits for
    /// them first (VMs stopped, files removed, ledger emptied), bounded in time.
    /// </summary>
    private static async Task LetCleanupsFinishAsync(IKilnBuild build, Started started)
    {
        try
        {
            await started.Results.WaitAsync(CleanupWait);
        }
        catch (TimeoutException)
        {
            build.Session.Warning($"the image builds were still cleaning up after {CleanupWait.TotalMinutes:0} minutes; ./build.sh SweepImages removes what is left");
        }
    }

    public static async Task FinishAsync(IKilnBuild build, CancellationToken cancellationToken)
    {
        var started = Get(build);
        IReadOnlyList<Kiln.Engine.BuildResult> results;
        try
        {
            results = await started.Results.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await LetCleanupsFinishAsync(build, started);
            throw;
        }

        Report(build, results, started.Run.ManifestPath);
    }

    /// <summary>The summary table and count line of a run; throws when a build did not succeed.</summary>
    public static void Report(IKilnBuild build, IReadOnlyList<Kiln.Engine.BuildResult> results, string manifestPath)
    {
        foreach (var line in ImageSummary.Render(results).Split('\n'))
        {
            build.Session.Info(line);
        }

        var failed = results.Where(r => !r.Succeeded).ToList();
        build.Session.Info($"images: {results.Count(r => r.Status == BuildStatus.Built)} built, {results.Count(r => r.Status == BuildStatus.UpToDate)} up to date, {failed.Count} not built; manifest: {Path.GetRelativePath(build.Session.RootDirectory, manifestPath)}");
        if (failed.Count > 0)
        {
            throw new KilnException(
                $"{failed.Count} image build(s) did not succeed: {string.Join("; ", failed.Select(f => $"{f.Name} {f.Status.ToString().ToLowerInvariant()}"))}",
                failed.Select(f => f.Hint).FirstOrDefault(h => h is not null) ?? "See the build log above; --on-error abort keeps a failed machine for inspection.");
        }
    }

    private static Started Get(IKilnBuild build) =>
        Runs.TryGetValue(build, out var started) ? started : throw new InvalidOperationException("BootImages has not started the image builds.");

    private sealed record Started(ImageBuildRun Run, Task<IReadOnlyList<Kiln.Engine.BuildResult>> Results);
}
