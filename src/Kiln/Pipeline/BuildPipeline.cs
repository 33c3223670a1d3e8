using System.Diagnostics;

namespace Kiln.Pipeline;

/// <summary>Runs a builder's steps in order and their cleanups in reverse, Packer's model.</summary>
public sealed class BuildPipeline<TState>(TState state, IReadOnlyList<IStep<TState>> steps) : IBuildPipeline
    where TState : BuildState
{
    private readonly List<IStep<TState>> _started = [];
    private int _next;

    public BuildState State => state;

    public IReadOnlyList<PlannedStep> Steps { get; } = [.. steps.Select(s => new PlannedStep(s.Name, s.Stage))];

    public IReadOnlyList<StepTiming> Timings => state.Timings;

    public async Task RunAsync(Stage through, CancellationToken cancellationToken)
    {
        while (_next < steps.Count && steps[_next].Stage <= through)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = steps[_next++];
            _started.Add(step);
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
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            var step = _started[i];
            _started.RemoveAt(i);
            try
            {
                await step.CleanupAsync(state, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                state.Context.Log.Error($"cleanup of '{step.Name}' failed: {ex.Message}");
            }
        }
    }

    public async ValueTask DisposeAsync() => await CleanupAsync(CancellationToken.None);
}
