using Kiln.Communicators;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Model;

namespace Kiln.Steps;

/// <summary>
/// Makes the build's temporary SSH key pair in the build's work directory (Boot stage, before the machine exists,
/// so the builder can hand the public key to cloud-init or the cloud). The key's directory goes through the ledger,
/// so a crashed run's key is swept too. Cleanup deletes it.
/// </summary>
internal sealed class CreateBuildKeyStep<TState> : IStep<TState>
    where TState : BuildState, IBuildKeyHolder
{
    private ILedgerEntry? _entry;

    public string Name => "create SSH key";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(TState state, CancellationToken cancellationToken)
    {
        var directory = SshKeyPair.NewDirectoryName(state.Context.WorkDirectory);
        _entry = await state.Context.Ledger.RecordAsync(new LedgerResource(DirectorySweeper.ResourceKind, directory), cancellationToken);
        var key = await SshKeyPair.CreateInAsync(directory, $"kiln-{state.Context.RunId}", cancellationToken);
        state.BuildKey = key;
        state.Context.Log.Verbose($"build SSH key: {key}");
    }

    public async Task CleanupAsync(TState state, CancellationToken cancellationToken)
    {
        state.BuildKey?.Dispose();
        state.BuildKey = null;
        if (_entry is not null)
        {
            await new DirectorySweeper().SweepAsync(_entry.Resource, cancellationToken);
            await _entry.ReleaseAsync(cancellationToken);
            _entry = null;
        }
    }
}
