using Kiln.Pipeline;

namespace Kiln.Communicators;

/// <summary>
/// Waits until the machine answers SSH and makes the connection the build's communicator. Cleanup closes it.
/// </summary>
public sealed class WaitForSshStep<TState> : IStep<TState>
    where TState : BuildState, ISshTarget
{
    public string Name => "wait for SSH";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(TState state, CancellationToken cancellationToken)
    {
        var endpoint = state.SshEndpoint
            ?? throw new InvalidOperationException($"'{Name}' ran before the builder set where the machine listens for SSH.");
        var communicator = new SshCommunicator(endpoint, state.Context.Log, state.Context.Progress);
        try
        {
            await communicator.ConnectAsync(cancellationToken);
        }
        catch
        {
            await communicator.DisposeAsync();
            throw;
        }

        state.Context.Log.Info($"connected to {endpoint} (host key {communicator.HostKeyFingerprint})");
        state.Communicator = communicator;
    }

    public async Task CleanupAsync(TState state, CancellationToken cancellationToken)
    {
        if (state.Communicator is SshCommunicator communicator)
        {
            state.Communicator = null;
            await communicator.DisposeAsync();
        }
    }
}
