using Kiln.Pipeline;

namespace Kiln.Communicators;

/// <summary>
/// Makes the build's temporary SSH key pair in the build's work directory (Boot stage, before the machine exists,
/// so the builder can hand the public key to cloud-init or the cloud). Cleanup deletes it.
/// </summary>
public sealed class CreateBuildKeyStep<TState> : IStep<TState>
    where TState : BuildState, IBuildKeyHolder
{
    public string Name => "create SSH key";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(TState state, CancellationToken cancellationToken)
    {
        var key = await SshKeyPair.CreateAsync(state.Context.WorkDirectory, $"kiln-{state.Context.RunId}", cancellationToken);
        state.BuildKey = key;
        state.Context.Log.Verbose($"build SSH key: {key}");
    }

    public Task CleanupAsync(TState state, CancellationToken cancellationToken)
    {
        state.BuildKey?.Dispose();
        state.BuildKey = null;
        return Task.CompletedTask;
    }
}
