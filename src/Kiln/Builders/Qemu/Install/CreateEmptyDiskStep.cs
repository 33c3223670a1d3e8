using System.Globalization;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Install;

/// <summary>The empty qcow2 disk of disk_size an installer installs onto; it then plays the overlay's part in the build.</summary>
internal sealed class CreateEmptyDiskStep : IStep<QemuBuildState>
{
    private ILedgerEntry? _entry;

    public string Name => "create empty disk";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var disk = Path.Combine(state.Context.WorkDirectory, $"{state.OutputName}-build.qcow2");
        Directory.CreateDirectory(state.Context.WorkDirectory);
        _entry = await state.Context.Ledger.RecordAsync(new LedgerResource("file", disk), cancellationToken);
        var size = DiskSize.Parse(state.Config.DiskSize);
        await HostTool.RunAsync(state.Context, "qemu-img", ["create", "-q", "-f", "qcow2", disk, size.ToString(CultureInfo.InvariantCulture)], cancellationToken);
        state.OverlayPath = disk;
    }

    public async Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (_entry is null)
        {
            return;
        }

        File.Delete(_entry.Resource.Id);
        await _entry.ReleaseAsync(cancellationToken);
        _entry = null;
        state.OverlayPath = null;
    }
}
