using System.Collections.Concurrent;
using Kiln.Definitions;
using Kiln.Pipeline;

namespace Kiln.Tests.Pipeline;

internal sealed class TestSourceConfig : SourceConfig
{
}

internal sealed class TestState(BuildContext context) : BuildState(context)
{
    public ConcurrentQueue<string> Events { get; } = new();
}

/// <summary>A step that records its run and cleanup, and fails, blocks or throws on request.</summary>
internal sealed class RecordingStep(string name, Stage stage = Stage.Boot) : IStep<TestState>
{
    public string Name => name;

    public Stage Stage => stage;

    public bool FailRun { get; init; }

    public bool FailCleanup { get; init; }

    /// <summary>Run waits on this until the token is cancelled (after signalling <see cref="Started"/>).</summary>
    public bool BlockRun { get; init; }

    /// <summary>Cleanup ignores its token and never finishes.</summary>
    public bool HangCleanup { get; init; }

    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RunAsync(TestState state, CancellationToken cancellationToken)
    {
        state.Events.Enqueue($"run {name}");
        Started.TrySetResult();
        if (FailRun)
        {
            throw new InvalidOperationException($"{name} failed");
        }

        if (BlockRun)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    public async Task CleanupAsync(TestState state, CancellationToken cancellationToken)
    {
        state.Events.Enqueue($"cleanup {name}");
        if (FailCleanup)
        {
            throw new InvalidOperationException($"cleanup of {name} exploded");
        }

        if (HangCleanup)
        {
            await new TaskCompletionSource().Task;
        }
    }
}
