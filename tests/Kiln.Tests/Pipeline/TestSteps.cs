using System.Collections.Concurrent;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;

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

/// <summary>A builder whose steps the test supplies per source.</summary>
internal sealed class TestBuilder(Func<ResolvedSource, IEnumerable<IStep<TestState>>> steps, string type = "test") : Kiln.Builders.Builder<TestSourceConfig, TestState>
{
    public override string Type => type;

    protected override IEnumerable<IStep<TestState>> CreateSteps(TestSourceConfig config, ResolvedSource source) => steps(source);

    protected override TestState CreateState(TestSourceConfig config, BuildContext context) => new(context);
}

/// <summary>A step given as lambdas.</summary>
internal sealed class LambdaStep(string name, Stage stage, Func<TestState, CancellationToken, Task> run, Func<TestState, CancellationToken, Task>? cleanup = null) : IStep<TestState>
{
    public string Name => name;

    public Stage Stage => stage;

    public Task RunAsync(TestState state, CancellationToken cancellationToken) => run(state, cancellationToken);

    public Task CleanupAsync(TestState state, CancellationToken cancellationToken) => cleanup?.Invoke(state, cancellationToken) ?? Task.CompletedTask;
}

/// <summary>A communicator that only knows how to be reached (for on-error messages).</summary>
internal sealed class UnreachableCommunicator(Kiln.Engine.ConnectionInfo connection) : Kiln.Engine.ICommunicator
{
    public Kiln.Engine.ConnectionInfo? Connection => connection;

    public Task<Kiln.Engine.CommandResult> ExecuteAsync(Kiln.Engine.RemoteCommand command, Kiln.Engine.ICommandOutput output, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task UploadAsync(Stream content, string remotePath, CancellationToken cancellationToken, int mode = 420) => throw new NotSupportedException();

    public Task UploadDirectoryAsync(string localDirectory, string remoteDirectory, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task DownloadAsync(string remotePath, Stream destination, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task DownloadDirectoryAsync(string remoteDirectory, string localDirectory, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>An interaction with a person who presses Enter when the test says so.</summary>
internal sealed class ScriptedInteraction : IInteraction
{
    public bool IsInteractive => true;

    public TaskCompletionSource<string> Prompted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Enter { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task WaitForEnterAsync(string prompt, CancellationToken cancellationToken)
    {
        Prompted.TrySetResult(prompt);
        await Enter.Task.WaitAsync(cancellationToken);
    }
}

/// <summary>Waits for a condition another thread makes true; the timeout only stops a hang.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }
}
