using Kiln.Communicators;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Steps;

/// <summary>
/// Waits until the machine answers SSH and makes the connection the build's communicator. Cleanup closes the
/// connection this step opened (a build may connect twice, to the build machine and then to a verify machine).
/// </summary>
internal sealed class WaitForSshStep<TState> : IStep<TState>
    where TState : BuildState, ISshTarget
{
    private SshCommunicator? _communicator;

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
        _communicator = communicator;
        state.Communicator = communicator;
    }

    public async Task CleanupAsync(TState state, CancellationToken cancellationToken)
    {
        if (_communicator is not { } communicator)
        {
            return;
        }

        _communicator = null;
        if (ReferenceEquals(state.Communicator, communicator))
        {
            state.Communicator = null;
        }

        await communicator.DisposeAsync();
    }
}
