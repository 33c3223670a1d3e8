using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Install;

/// <summary>
/// For firmware: uefi, a fresh copy of OVMF's variable store for the build machine (kept from the installer's boot to
/// the build's, as the installer may write a boot entry) and one for the verify machine, which must boot the captured
/// disk as any new machine would: with no boot entries, through the disk's \EFI\BOOT\BOOTX64.EFI.
/// </summary>
internal sealed class PrepareFirmwareStep : IStep<QemuBuildState>
{
    private readonly List<ILedgerEntry> _entries = [];

    public string Name => "prepare UEFI firmware";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var secureBoot = state.Config.SecureBoot;
        UefiFirmware.EnsureInstalled(secureBoot);
        Directory.CreateDirectory(state.Context.WorkDirectory);
        foreach (var role in new[] { "build", "verify" })
        {
            var vars = state.UefiVarsPath(role);
            _entries.Add(await state.Context.Ledger.RecordAsync(new LedgerResource("file", vars), cancellationToken));
            File.Copy(UefiFirmware.VarsTemplatePath(secureBoot), vars, overwrite: true);
        }

        state.Context.Log.Info($"UEFI firmware {UefiFirmware.CodePath(secureBoot)}{(secureBoot ? " with Secure Boot" : "")}");
    }

    public async Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        foreach (var entry in _entries)
        {
            File.Delete(entry.Resource.Id);
            await entry.ReleaseAsync(cancellationToken);
        }

        _entries.Clear();
    }
}
