using Kiln.Model;

namespace Kiln.Engine;

/// <summary>One image × source build: its steps, run stage by stage, then cleaned up in reverse.</summary>
public interface IBuildPipeline : IAsyncDisposable
{
    BuildState State { get; }

    IReadOnlyList<PlannedStep> Steps { get; }

    IReadOnlyList<StepTiming> Timings { get; }

    /// <summary>Steps whose Run started and whose cleanup has not finished yet, in the order they will be cleaned.</summary>
    IReadOnlyList<string> PendingCleanups { get; }

    /// <summary>Steps of <paramref name="stage"/> not run yet are recorded as skipped instead of run (a target the user skipped).</summary>
    void SkipStage(Stage stage);

    /// <summary>Runs every not yet run step up to and including the last step of <paramref name="through"/>.</summary>
    Task RunAsync(Stage through, CancellationToken cancellationToken);

    /// <summary>
    /// Runs the cleanups of every started step in reverse order. Safe to call more than once. A cleanup that throws
    /// does not stop the others; when <paramref name="cancellationToken"/> fires, a cleanup still running is abandoned
    /// (what it left stays in the ledger for a sweep).
    /// </summary>
    Task CleanupAsync(CancellationToken cancellationToken);
}
