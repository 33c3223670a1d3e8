using System.Globalization;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>A qcow2 overlay on the base, grown to disk_size: the build writes only here, never to the base or the cache.</summary>
internal sealed class CreateOverlayStep : IStep<QemuBuildState>
{
    private ILedgerEntry? _entry;

    public string Name => "create overlay disk";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var size = DiskSize.Parse(state.Config.DiskSize);
        if (size < state.BaseImageVirtualSize)
        {
            throw new KilnException(
                $"disk_size {state.Config.DiskSize} is smaller than the base image ({DiskSize.Format(state.BaseImageVirtualSize)})",
                $"set disk_size to at least {(state.BaseImageVirtualSize + (1 << 30) - 1) >> 30}G");
        }

        var overlay = Path.Combine(state.Context.WorkDirectory, $"{state.OutputName}-build.qcow2");
        Directory.CreateDirectory(state.Context.WorkDirectory);
        _entry = await state.Context.Ledger.RecordAsync(new LedgerResource("file", overlay), cancellationToken);
        await HostTool.RunAsync(
            state.Context,
            "qemu-img",
            ["create", "-q", "-f", "qcow2", "-b", state.BaseImagePath!, "-F", state.BaseImageFormat!, overlay, size.ToString(CultureInfo.InvariantCulture)],
            cancellationToken);
        state.OverlayPath = overlay;
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
