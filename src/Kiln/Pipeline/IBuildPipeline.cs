namespace Kiln.Pipeline;

/// <summary>One image × source build: its steps, run stage by stage, then cleaned up in reverse.</summary>
public interface IBuildPipeline : IAsyncDisposable
{
    BuildState State { get; }

    IReadOnlyList<PlannedStep> Steps { get; }

    IReadOnlyList<StepTiming> Timings { get; }

    /// <summary>Runs every not yet run step up to and including the last step of <paramref name="through"/>.</summary>
    Task RunAsync(Stage through, CancellationToken cancellationToken);

    /// <summary>Runs the cleanups of every started step in reverse order. Safe to call more than once.</summary>
    Task CleanupAsync(CancellationToken cancellationToken);
}
