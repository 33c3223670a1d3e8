using Kiln.Communicators;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>A key of its own for the verify machine: the build key must no longer open the image, and the check proves it.</summary>
internal sealed class CreateVerifyKeyStep : IStep<QemuBuildState>
{
    public string Name => "create verify SSH key";

    public Stage Stage => Stage.Verify;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(state.Context.WorkDirectory, "verify-key");
        state.VerifyKeyEntry = await state.Context.Ledger.RecordAsync(new LedgerResource(DirectorySweeper.ResourceKind, directory), cancellationToken);
        Directory.CreateDirectory(directory);
        state.VerifyKey = await SshKeyPair.CreateAsync(directory, $"kiln-verify-{state.Context.RunId}", cancellationToken);
    }

    public async Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        state.VerifyKey?.Dispose();
        state.VerifyKey = null;
        if (state.VerifyKeyEntry is { } entry)
        {
            await new DirectorySweeper().SweepAsync(entry.Resource, cancellationToken);
            await entry.ReleaseAsync(cancellationToken);
            state.VerifyKeyEntry = null;
        }
    }
}
