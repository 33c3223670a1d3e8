using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Steps;

/// <summary>
/// The provision stage every builder puts after its connect step: runs the source's provisioners in order through
/// the build's communicator, finding each in the build's plugins (<see cref="BuildContext.Plugins"/>).
/// </summary>
internal sealed class ProvisionStep<TState>(RetryPolicy? retry = null) : IStep<TState>
    where TState : BuildState
{
    private readonly ProvisionerInvoker _invoker = new(retry ?? RetryPolicy.Default);

    public string Name => "provision";

    public Stage Stage => Stage.Provision;

    public async Task RunAsync(TState state, CancellationToken cancellationToken)
    {
        var entries = state.Context.Source.Provisioners;
        var checkpoints = state as IProvisionCheckpoints;
        var resumed = checkpoints?.ResumedSteps ?? 0;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (i < resumed)
            {
                state.Context.Log.Info($"provisioner {i + 1}/{entries.Count}: {entry.Type} (cached)");
                continue;
            }

            state.Context.Log.Info($"provisioner {i + 1}/{entries.Count}: {entry.Type}");
            await _invoker.RunAsync(entry, "provisioner", state, cancellationToken);
            if (checkpoints is not null)
            {
                await checkpoints.SealAsync(i + 1, cancellationToken);
            }
        }
    }

    // Provisioners change the machine, which the builder's own steps remove; nothing here to undo.
    public Task CleanupAsync(TState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
