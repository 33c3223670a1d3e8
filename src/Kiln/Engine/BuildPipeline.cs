using System.Diagnostics;
using Kiln.Model;

namespace Kiln.Engine;

/// <summary>Runs a builder's steps in order and their cleanups in reverse, Packer's model.</summary>
public sealed class BuildPipeline<TState>(TState state, IReadOnlyList<IStep<TState>> steps) : IBuildPipeline
    where TState : BuildState
{
    private readonly List<IStep<TState>> _started = [];
    private readonly HashSet<Stage> _skipped = [];
    private readonly Lock _gate = new();
    private int _next;

    public BuildState State => state;

    public IReadOnlyList<PlannedStep> Steps { get; } = [.. steps.Select(s => new PlannedStep(s.Name, s.Stage))];

    public IReadOnlyList<StepTiming> Timings => state.Timings;

    public IReadOnlyList<string> PendingCleanups
    {
        get
        {
            lock (_gate)
            {
                return [.. Enumerable.Reverse(_started).Select(s => s.Name)];
            }
        }
    }

    public void SkipStage(Stage stage)
    {
        lock (_gate)
        {
            _skipped.Add(stage);
        }
    }

    public async Task RunAsync(Stage through, CancellationToken cancellationToken)
    {
        while (_next < steps.Count && steps[_next].Stage <= through)
        {
            var step = steps[_next];
            if (IsSkipped(step.Stage))
            {
                _next++;
                state.Timings.Add(new StepTiming(step.Name, step.Stage, TimeSpan.Zero, StepOutcome.Skipped));
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            _next++;
            lock (_gate)
            {
                // Recorded before Run starts: a Run that fails half-way may already have created something.
                _started.Add(step);
            }

            state.Context.Progress.StepStarted(step.Name, step.Stage);
            state.Context.Log.Verbose($"step '{step.Name}' ({step.Stage}) started");
            var watch = Stopwatch.StartNew();
            try
            {
                await step.RunAsync(state, cancellationToken);
                state.Timings.Add(new StepTiming(step.Name, step.Stage, watch.Elapsed, StepOutcome.Succeeded));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                state.Timings.Add(new StepTiming(step.Name, step.Stage, watch.Elapsed, StepOutcome.Cancelled));
                throw;
            }
            catch
            {
                state.Timings.Add(new StepTiming(step.Name, step.Stage, watch.Elapsed, StepOutcome.Failed));
                throw;
            }
        }
    }

    public async Task CleanupAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            IStep<TState> step;
            lock (_gate)
            {
                if (_started.Count == 0)
                {
                    return;
                }

                step = _started[^1];
            }

            try
            {
                // WaitAsync bounds a cleanup that ignores its token; the ledger still holds what it did not remove.
                await step.CleanupAsync(state, cancellationToken).WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                state.Context.Log.Error($"cleanup of '{step.Name}' did not finish in time; what it created is kept in the ledger for a sweep");
            }
#pragma warning disable CA1031 // One failing cleanup must never stop the others.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                state.Context.Log.Error($"cleanup of '{step.Name}' failed: {ex.Message}");
            }
            finally
            {
                lock (_gate)
                {
                    _started.Remove(step);
                }
            }
        }
    }

    public async ValueTask DisposeAsync() => await CleanupAsync(CancellationToken.None);

    private bool IsSkipped(Stage stage)
    {
        lock (_gate)
        {
            return _skipped.Contains(stage);
        }
    }
}
