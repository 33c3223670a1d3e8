using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>
/// Writes the NoCloud seed (a cidata ISO) the next machine boots with, carrying the key that machine accepts: the
/// build key for the build machine, the verify key for the verify machine. Only with guest_init auto or cloud_init.
/// </summary>
internal sealed class CreateSeedStep(bool verifyBoot) : IStep<QemuBuildState>
{
    private ILedgerEntry? _entry;

    public string Name => verifyBoot ? "write cloud-init seed for the verify machine" : "write cloud-init seed";

    public Stage Stage => verifyBoot ? Stage.Verify : Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        state.SeedImagePath = null;
        if (!CloudInitSeed.Enabled(state.Config) || state.ActiveKey is not { } key)
        {
            return;
        }

        var role = verifyBoot ? "verify" : "build";
        var directory = Path.Combine(state.Context.WorkDirectory, $"{role}-seed");
        _entry = await state.Context.Ledger.RecordAsync(new LedgerResource(DirectorySweeper.ResourceKind, directory), cancellationToken);
        state.SeedImagePath = await CloudInitSeed.WriteAsync(state.Context, state.Config, key.PublicKey, role, directory, cancellationToken);
    }

    public async Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (_entry is { } entry)
        {
            _entry = null;
            await new DirectorySweeper().SweepAsync(entry.Resource, cancellationToken);
            await entry.ReleaseAsync(cancellationToken);
        }
    }
}
