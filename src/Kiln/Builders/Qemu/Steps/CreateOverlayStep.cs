using System.Globalization;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>
/// The disk the build writes: a qcow2 overlay on the base, grown to disk_size, so nothing writes to the base or the
/// cache; or, for an installer (no base), an empty qcow2 of disk_size that then plays the overlay's part.
/// </summary>
internal sealed class CreateOverlayStep(bool empty = false) : IStep<QemuBuildState>
{
    private ILedgerEntry? _entry;

    public string Name => empty ? "create empty disk" : "create overlay disk";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var size = DiskSize.Parse(state.Config.DiskSize);
        if (!empty && size < state.BaseImageVirtualSize)
        {
            throw new KilnException(
                $"disk_size {state.Config.DiskSize} is smaller than the base image ({DiskSize.Format(state.BaseImageVirtualSize)})",
                $"set disk_size to at least {(state.BaseImageVirtualSize + (1 << 30) - 1) >> 30}G");
        }

        var overlay = Path.Combine(state.Context.WorkDirectory, $"{state.OutputName}-build.qcow2");
        Directory.CreateDirectory(state.Context.WorkDirectory);
        _entry = await state.Context.Ledger.RecordAsync(new LedgerResource("file", overlay), cancellationToken);
        if (empty)
        {
            await HostTool.RunAsync(state.Context, "qemu-img", ["create", "-q", "-f", "qcow2", overlay, size.ToString(CultureInfo.InvariantCulture)], cancellationToken);
        }
        else if (state.Warm is { Saved: not null } warm)
        {
            // A warm boot resumes a saved machine, whose disk is the saved one: the build writes on top of it.
            await WriteAsync(state, overlay, warm.Store.DiskOf(warm.Key), "qcow2", cancellationToken);
        }
        else
        {
            await WriteAsync(state, overlay, state.BaseImagePath!, state.BaseImageFormat!, cancellationToken);
        }

        state.OverlayPath = overlay;
    }

    /// <summary>(Re)writes <paramref name="overlay"/> as an empty qcow2 of disk_size on top of <paramref name="backing"/>.</summary>
    internal static Task WriteAsync(QemuBuildState state, string overlay, string backing, string backingFormat, CancellationToken cancellationToken) =>
        HostTool.RunAsync(
            state.Context,
            "qemu-img",
            ["create", "-q", "-f", "qcow2", "-b", backing, "-F", backingFormat, overlay, DiskSize.Parse(state.Config.DiskSize).ToString(CultureInfo.InvariantCulture)],
            cancellationToken);

    public async Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (_entry is null)
        {
            return;
        }

        if (state.Sealer is { } sealer)
        {
            // A build that stops early may still be writing a layer whose disk is this one or sits on it.
            await sealer.SettleAsync();
        }

        File.Delete(_entry.Resource.Id);
        await _entry.ReleaseAsync(cancellationToken);
        _entry = null;
        state.OverlayPath = null;
    }
}
