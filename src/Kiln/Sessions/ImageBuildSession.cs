using System.Collections.Concurrent;
using System.Diagnostics;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Sessions;

/// <summary>
/// Runs every image × source build of a set of definitions: in parallel up to a limit, an image's builds only after
/// every build of the images it depends on succeeded (dependents of a failure are skipped with the reason). Callers
/// follow progress through stage barriers: <see cref="WaitForStageAsync"/> completes once every build has passed that
/// stage or ended. Builds are never held back by the barriers.
/// </summary>
public sealed class ImageBuildSession
{
    private static readonly Stage[] Stages = Enum.GetValues<Stage>();

    private readonly BuildSessionOptions _options;
    private readonly Dictionary<string, PlannedImage> _images;
    private readonly List<Build> _builds;
    private readonly Dictionary<string, TaskCompletionSource<IReadOnlyList<BuildResult>>> _imageDone;
    private readonly ConcurrentDictionary<string, Task<ResolvedImage>> _resolved = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots;
    private Task<IReadOnlyList<BuildResult>>? _run;

    public ImageBuildSession(IReadOnlyList<PlannedImage> images, BuildSessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Parallelism < 1)
        {
            throw new KilnException($"parallel must be at least 1 (it is {options.Parallelism})");
        }

        _options = options;
        _images = new Dictionary<string, PlannedImage>(StringComparer.Ordinal);
        foreach (var image in images)
        {
            if (!_images.TryAdd(image.Name, image))
            {
                throw new KilnException($"image '{image.Name}' is planned twice");
            }
        }

        CheckDependencies();
        _slots = new SemaphoreSlim(options.Parallelism, options.Parallelism);
        _imageDone = _images.Keys.ToDictionary(
            n => n, _ => new TaskCompletionSource<IReadOnlyList<BuildResult>>(TaskCreationOptions.RunContinuationsAsynchronously), StringComparer.Ordinal);
        _builds = [.. images.SelectMany(i => i.Sources.Select(s => new Build(i, s)))];
    }

    public IReadOnlyList<string> BuildNames => [.. _builds.Select(b => b.Name)];

    /// <summary>The builds whose cleanups are running now and the steps still to clean, for a host that is asked to stop.</summary>
    public IReadOnlyList<string> CleaningUp =>
        [.. _builds.Where(b => b.Cleaning is not null).Select(b => $"{b.Name}: {string.Join(", ", b.Cleaning!.PendingCleanups)}")];

    /// <summary>Starts every build; completes when all have ended. Calling it again returns the same run.</summary>
    public Task<IReadOnlyList<BuildResult>> RunAsync(CancellationToken cancellationToken)
    {
        lock (_builds)
        {
            return _run ??= RunAllAsync(cancellationToken);
        }
    }

    /// <summary>Completes when every build has passed <paramref name="stage"/>, failed, been skipped or cancelled.</summary>
    public Task WaitForStageAsync(Stage stage, CancellationToken cancellationToken) =>
        Task.WhenAll(_builds.Select(b => b.Barriers[(int)stage].Task)).WaitAsync(cancellationToken);

    private async Task<IReadOnlyList<BuildResult>> RunAllAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var tasks = _builds.Select(b => RunGuardedAsync(b, cancellationToken)).ToList();
        foreach (var image in _images.Values)
        {
            var own = _builds.Select((b, i) => (b, i)).Where(x => x.b.Image == image).Select(x => tasks[x.i]).ToList();
            _ = Task.WhenAll(own).ContinueWith(
                t => _imageDone[image.Name].TrySetResult(t.Result),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        var results = await Task.WhenAll(tasks);
        _options.Console.Summary(results);
        if (_options.OnError != OnErrorMode.Abort && _options.Ledger.Open is { Count: > 0 } left)
        {
            // A step that forgot to release what it removed, or a cleanup that failed: say so rather than leak quietly.
            _options.Console.SessionLine(_options.Redactor.Redact(
                $"warning: {left.Count} temporary resource(s) are still recorded ({string.Join(", ", left.Select(r => $"{r.Kind} '{r.Id}'"))}); "
                + $"run {_options.SweepCommand} after this run ends"));
        }

        return results;
    }

    private async Task<BuildResult> RunGuardedAsync(Build build, CancellationToken cancellationToken)
    {
        BuildResult result;
        try
        {
            result = await RunBuildAsync(build, cancellationToken);
        }
#pragma warning disable CA1031 // A bug in one build must end that build, not the session.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            result = build.Result(BuildStatus.Failed, _options.Redactor.Redact(ex.Message), exception: ex);
        }

        build.ReleaseBarriers();
        _options.Console.BuildChanged(build.Name, result.Status, null);
        return result;
    }

    private async Task<BuildResult> RunBuildAsync(Build build, CancellationToken cancellationToken)
    {
        var dependencies = new Dictionary<string, IReadOnlyList<BuildResult>>(StringComparer.Ordinal);
        foreach (var name in build.Image.DependsOn)
        {
            var results = await _imageDone[name].Task;
            dependencies[name] = results;
            if (results.FirstOrDefault(r => !r.Succeeded) is { } failed)
            {
                return build.Result(BuildStatus.Skipped, $"dependency {failed.Name} {Describe(failed.Status)}");
            }
        }

        if (build.Image.UpToDate.TryGetValue(build.Source, out var previous))
        {
            return build.Result(BuildStatus.UpToDate, artifacts: previous);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return build.Result(BuildStatus.Cancelled, "cancelled before it started");
        }

        try
        {
            await _slots.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return build.Result(BuildStatus.Cancelled, "cancelled before it started");
        }

        try
        {
            return await new BuildRun(build, _options, dependencies, ResolveAsync).RunAsync(cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }

    private Task<ResolvedImage> ResolveAsync(PlannedImage image, IReadOnlyDictionary<string, IReadOnlyList<BuildResult>> dependencies, CancellationToken cancellationToken) =>
        _resolved.GetOrAdd(image.Name, _ => image.Resolve(dependencies, cancellationToken));

    private static string Describe(BuildStatus status) => status switch
    {
        BuildStatus.Failed => "failed",
        BuildStatus.Cancelled => "was cancelled",
        BuildStatus.Skipped => "was skipped",
        _ => status.ToString().ToLowerInvariant(),
    };

    private void CheckDependencies()
    {
        foreach (var image in _images.Values)
        {
            foreach (var dependency in image.DependsOn.Where(d => !_images.ContainsKey(d)))
            {
                throw new KilnException(
                    $"image '{image.Name}' depends on '{dependency}', which is not part of this build",
                    "build the definitions it depends on in the same run (select them too), or remove it from depends_on");
            }
        }

        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: visiting, true: done
        foreach (var image in _images.Keys)
        {
            Visit(image, []);
        }

        void Visit(string name, List<string> path)
        {
            if (state.TryGetValue(name, out var done))
            {
                if (!done)
                {
                    var cycle = path.Skip(path.IndexOf(name)).Append(name);
                    throw new KilnException($"images depend on each other in a cycle: {string.Join(" -> ", cycle)}", "remove one of these depends_on entries");
                }

                return;
            }

            state[name] = false;
            path.Add(name);
            foreach (var dependency in _images[name].DependsOn)
            {
                Visit(dependency, path);
            }

            path.RemoveAt(path.Count - 1);
            state[name] = true;
        }
    }

    /// <summary>One image × source build as the session tracks it.</summary>
    internal sealed class Build(PlannedImage image, string source)
    {
        private readonly Stopwatch _watch = new();

        public PlannedImage Image { get; } = image;

        public string Source { get; } = source;

        public string Name { get; } = $"{image.Name}.{source}";

        public TaskCompletionSource[] Barriers { get; } =
            [.. Stages.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];

        public IBuildPipeline? Cleaning { get; set; }

        public void Started() => _watch.Start();

        public void PassStage(Stage stage) => Barriers[(int)stage].TrySetResult();

        public void ReleaseBarriers()
        {
            foreach (var barrier in Barriers)
            {
                barrier.TrySetResult();
            }
        }

        public BuildResult Result(
            BuildStatus status,
            string? reason = null,
            string? hint = null,
            Exception? exception = null,
            IReadOnlyList<Artifact>? artifacts = null,
            BuildState? state = null,
            IReadOnlyDictionary<Stage, TimeSpan>? stages = null) => new()
            {
                Image = Image.Name,
                Source = Source,
                Status = status,
                Reason = reason,
                Hint = hint,
                Exception = exception,
                Duration = _watch.Elapsed,
                Artifacts = artifacts ?? [.. state?.Artifacts ?? []],
                Timings = [.. state?.Timings ?? []],
                Checks = [.. state?.Checks ?? []],
                StageDurations = stages ?? new Dictionary<Stage, TimeSpan>(),
            };
    }
}
