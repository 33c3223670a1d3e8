using System.Diagnostics;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Model;
using Kiln.Publishers;
using Kiln.Steps;

namespace Kiln.Sessions;

/// <summary>
/// One image × source build from start to end: resolve, create the builder's pipeline, run it stage by stage, clean
/// up (within a bounded time, whatever happened), run the publish chains, and report. <c>--on-error</c> decides what a
/// failed step leaves behind.
/// </summary>
internal sealed class BuildRun(
    ImageBuildSession.Build build,
    BuildSessionOptions options,
    IReadOnlyDictionary<string, IReadOnlyList<BuildResult>> dependencies,
    Func<PlannedImage, IReadOnlyDictionary<string, IReadOnlyList<BuildResult>>, CancellationToken, Task<ResolvedImage>> resolve)
{
    private readonly Dictionary<Stage, TimeSpan> _stages = [];
    private readonly IBuildLog _log = options.Console.CreateLog(build.Name, options.Redactor);
    private IBuildPipeline? _pipeline;
    private LedgeredDirectory? _work;

    public async Task<BuildResult> RunAsync(CancellationToken cancellationToken)
    {
        build.Started();
        options.Console.BuildChanged(build.Name, BuildStatus.Running, null);
        try
        {
            await StartAsync(cancellationToken);
            await RunStagesAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _log.Warn("cancelled; cleaning up");
            await CleanupAsync();
            return Finish(BuildStatus.Cancelled, "cancelled");
        }
        catch (Exception ex)
        {
            return await FailedAsync(ex, cancellationToken);
        }

        // Packer's order: the machine is gone before publishers run; the work directory stays until they are done.
        await CleanupAsync(removeWorkDirectory: false);
        Exception? publishError = null;
        try
        {
            await PublishAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            publishError = ex;
        }

        await CleanupAsync();
        if (publishError is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return Finish(BuildStatus.Cancelled, "cancelled while publishing");
        }

        if (publishError is not null)
        {
            var (reason, hint) = Explain(publishError, fromStep: false);
            _log.Error(reason);
            return Finish(BuildStatus.Failed, reason, hint, publishError);
        }

        return Finish(BuildStatus.Built);
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var image = await resolve(build.Image, dependencies, cancellationToken);
        var source = image.Sources.FirstOrDefault(s => s.Name == build.Source)
            ?? throw new KilnException($"image '{image.Name}' has no source '{build.Source}'", $"its sources: {string.Join(", ", image.Sources.Select(s => s.Name))}");
        if (!options.Catalog.Builders.TryGetValue(source.Type, out var builder))
        {
            throw new KilnException(
                $"{(source.Location is null ? "" : $"{source.Location}: ")}source '{source.Name}' has type '{source.Type}', which no builder provides",
                $"known builder types: {string.Join(", ", options.Catalog.Builders.Keys.Order(StringComparer.Ordinal))}");
        }

        _work = await LedgeredDirectory.CreateAsync(
            options.Ledger, Path.Combine(options.WorkDirectory, options.RunId, build.Name), cancellationToken);
        var context = new BuildContext
        {
            RunId = options.RunId,
            Image = image,
            Source = source,
            OutputDirectory = Path.Combine(options.OutputDirectory, image.Name, source.Name),
            WorkDirectory = _work.Path,
            Log = _log,
            Ledger = options.Ledger,
            Progress = options.Console.CreateProgress(build.Name, options.Redactor),
            Interaction = options.Interaction,
            Redactor = options.Redactor,
            Plugins = options.Catalog,
            OnError = options.OnError,
            ManifestPath = options.ManifestPath ?? Path.Combine(options.OutputDirectory, "manifest.json"),
            Layers = build.Image.Layers?.Invoke(source),
        };
        _pipeline = builder.CreatePipeline(context);
        _pipeline.State.Fingerprint = build.Image.Fingerprint?.Invoke(image, source);
        foreach (var stage in options.SkippedStages)
        {
            _pipeline.SkipStage(stage);
        }
    }

    private async Task RunStagesAsync(CancellationToken cancellationToken)
    {
        foreach (var stage in Enum.GetValues<Stage>())
        {
            if (options.SkippedStages.Contains(stage))
            {
                build.PassStage(stage);
                continue;
            }

            options.Console.BuildChanged(build.Name, BuildStatus.Running, stage);
            var watch = Stopwatch.StartNew();
            try
            {
                await _pipeline!.RunAsync(stage, cancellationToken);
            }
            finally
            {
                _stages[stage] = watch.Elapsed;
            }

            // Publish is passed only once the publish chains ran too.
            if (stage != Stage.Publish)
            {
                build.PassStage(stage);
            }
        }
    }

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        if (_pipeline is null)
        {
            return;
        }

        if (options.SkippedStages.Contains(Stage.Publish))
        {
            await RecordUnpublishedAsync(_pipeline.State, cancellationToken);
            return;
        }

        var watch = Stopwatch.StartNew();
        try
        {
            await new PublishChains().RunAsync(_pipeline.State, cancellationToken);
        }
        finally
        {
            _stages[Stage.Publish] = _stages.GetValueOrDefault(Stage.Publish) + watch.Elapsed;
        }
    }

    /// <summary>
    /// With the publish stage skipped (a CI image job), the run's manifest still records what was built, with every
    /// file's sha256, as unpublished: the fragment a later <c>PublishBuilt</c> checks and publishes.
    /// </summary>
    private static async Task RecordUnpublishedAsync(BuildState state, CancellationToken cancellationToken)
    {
        if (state.Artifacts.Count > 0)
        {
            IPublisher recorder = new ManifestPublisher();
            await recorder.PublishAsync(new ManifestConfig { Unpublished = true }, state, state.Artifacts, cancellationToken);
        }
    }

    private async Task<BuildResult> FailedAsync(Exception error, CancellationToken cancellationToken)
    {
        var (reason, hint) = Explain(error);
        _log.Error(reason);
        if (hint is not null)
        {
            _log.Error($"hint: {hint}");
        }

        var connection = _pipeline?.State.Communicator?.Connection?.SshCommand;
        switch (options.OnError)
        {
            case OnErrorMode.Abort when _pipeline is not null:
                _log.Warn("on-error=abort: everything this build created is kept");
                _log.Warn(connection is null ? "no machine was reachable when it failed" : $"reach the machine with: {connection}");
                _log.Warn($"clean up later with: {options.SweepCommand}");
                return Finish(BuildStatus.Failed, reason, hint, error);

            case OnErrorMode.Debug when _pipeline is not null && options.Interaction.IsInteractive:
                _log.Warn(connection is null ? "on-error=debug: no machine was reachable when it failed" : $"on-error=debug: the machine is kept running; reach it with: {connection}");
                try
                {
                    await options.Interaction.WaitForEnterAsync($"{build.Name} failed; press Enter to clean up", cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    _log.Warn("cancelled while waiting; cleaning up");
                }

                break;

            case OnErrorMode.Debug:
                _log.Warn("on-error=debug needs an interactive terminal; cleaning up instead");
                break;
        }

        await CleanupAsync();
        return Finish(BuildStatus.Failed, reason, hint, error);
    }

    private (string Reason, string? Hint) Explain(Exception error, bool fromStep = true)
    {
        var failedStep = fromStep ? _pipeline?.Timings.LastOrDefault(t => t.Outcome == StepOutcome.Failed) : null;
        var message = failedStep is null || error is DefinitionException
            ? error.Message
            : $"step '{failedStep.Step}' ({failedStep.Stage.ToString().ToLowerInvariant()}) failed: {error.Message}";
        var hint = (error as KilnException)?.Hint;
        return (options.Redactor.Redact(message), hint is null ? null : options.Redactor.Redact(hint));
    }

    private async Task CleanupAsync(bool removeWorkDirectory = true)
    {
        using var bounded = new CancellationTokenSource(options.CleanupTimeout);
        if (_pipeline is { PendingCleanups.Count: > 0 })
        {
            build.Cleaning = _pipeline;
            try
            {
                await _pipeline.CleanupAsync(bounded.Token);
            }
            finally
            {
                build.Cleaning = null;
            }
        }

        if (removeWorkDirectory && _work is { } work)
        {
            try
            {
                await work.DeleteAsync(bounded.Token);
                _work = null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                _log.Error($"could not remove the work directory {work.Path}: {ex.Message}; {options.SweepCommand} will retry");
            }
        }

        if (bounded.IsCancellationRequested)
        {
            _log.Error($"cleanup did not finish within {Durations.Format(options.CleanupTimeout)}; run {options.SweepCommand} to remove what is left");
        }
    }

    private BuildResult Finish(BuildStatus status, string? reason = null, string? hint = null, Exception? exception = null)
    {
        var state = _pipeline?.State;
        if (state is { Timings.Count: > 0 })
        {
            _log.Info("timings:");
            foreach (var line in TimingReport.Format(state.Timings))
            {
                _log.Info(line);
            }
        }

        return build.Result(status, reason, hint, exception, state: state, stages: new Dictionary<Stage, TimeSpan>(_stages));
    }
}
