using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>
/// Converts the powered-off build disk to every listed format at once, into a staging directory inside the output
/// directory (same filesystem, so the capture can move the files into place by rename).
/// </summary>
internal sealed class ConvertDisksStep : IStep<QemuBuildState>
{
    private ILedgerEntry? _staging;

    public string Name => "convert disks";

    public Stage Stage => Stage.Capture;

    internal string? StagingDirectory => _staging?.Resource.Id;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var staging = Path.Combine(context.OutputDirectory, $".kiln-staging-{context.RunId}-{context.Source.Name}");
        _staging = await context.Ledger.RecordAsync(new LedgerResource("directory", staging), cancellationToken);
        Directory.CreateDirectory(staging);

        var overlay = await ConversionSource.MeasureAsync(context, state.OverlayPath!, "qcow2", cancellationToken);
        var size = DiskSize.Parse(state.Config.DiskSize);
        var conversions = state.Config.Formats.Select(async format =>
        {
            var target = Path.Combine(staging, state.OutputName + DiskConverter.Extension(format));
            if (format == DiskFormat.Ova)
            {
                var vmdk = Path.Combine(staging, state.OutputName + "-ova-disk.vmdk");
                await DiskConverter.ConvertAsync(context, overlay, vmdk, "vmdk", ["-o", "subformat=streamOptimized"], cancellationToken);
                await OvaPackage.WriteAsync(target, new OvaPackage.Machine(state.OutputName, state.Config.Cpus, state.Config.Memory, size, state.Config.Firmware == QemuFirmware.Uefi), vmdk, cancellationToken);
                File.Delete(vmdk);
            }
            else if (format == DiskFormat.Vmx)
            {
                Directory.CreateDirectory(target);
                var vmdk = Path.Combine(target, VmxBundle.DiskFileName(state.OutputName));
                await DiskConverter.ConvertAsync(context, overlay, vmdk, "vmdk", VmxBundle.VmdkOptions(state.Config.Vmx.DiskType), cancellationToken);
                await VmxBundle.WriteVmxAsync(target, new VmxBundle.Machine(state.OutputName, state.Config.Cpus, state.Config.Memory, state.Config.Vmx), cancellationToken);
            }
            else
            {
                var (qemuFormat, options) = DiskConverter.Target(format, state.Config.CompressQcow2);
                await DiskConverter.ConvertAsync(context, overlay, target, qemuFormat, options, cancellationToken);
            }

            lock (state.Captured)
            {
                state.Captured[format] = target;
            }
        });
        await Task.WhenAll(conversions);
    }

    public async Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (_staging is null)
        {
            return;
        }

        if (Directory.Exists(_staging.Resource.Id))
        {
            Directory.Delete(_staging.Resource.Id, recursive: true);
        }

        await _staging.ReleaseAsync(cancellationToken);
        _staging = null;
    }
}
