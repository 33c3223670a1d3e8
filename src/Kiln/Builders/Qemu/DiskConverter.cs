using System.Globalization;
using System.Text.RegularExpressions;
using Kiln.Engine;

namespace Kiln.Builders.Qemu;

/// <summary>qemu-img convert with its -p percentage turned into progress.</summary>
internal static partial class DiskConverter
{
    /// <summary>qemu-img's output format and options for each captured format (vmdk for the OVA is a separate, streamOptimized one).</summary>
    public static (string Format, IReadOnlyList<string> Options) Target(DiskFormat format, bool compressQcow2) => format switch
    {
        DiskFormat.Qcow2 => ("qcow2", compressQcow2 ? ["-c"] : []),
        DiskFormat.Raw => ("raw", []),
        // monolithicSparse is what VMware products and VirtualBox attach directly; the OVA carries streamOptimized.
        DiskFormat.Vmdk => ("vmdk", ["-o", "subformat=monolithicSparse"]),
        DiskFormat.Vdi => ("vdi", []),
        DiskFormat.Vhdx => ("vhdx", ["-o", "subformat=dynamic"]),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a disk image format"),
    };

    public static string Extension(DiskFormat format) => format switch
    {
        DiskFormat.Qcow2 => ".qcow2",
        DiskFormat.Raw => ".raw",
        DiskFormat.Vmdk => ".vmdk",
        DiskFormat.Vdi => ".vdi",
        DiskFormat.Vhdx => ".vhdx",
        DiskFormat.Ova => ".ova",
        DiskFormat.Vmx => VmxBundle.FolderExtension,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    public static async Task ConvertAsync(
        BuildContext context, ConversionSource source, string destination, string format, IReadOnlyList<string> options, CancellationToken cancellationToken)
    {
        // qemu-img reports percent; progress is shown in bytes of the source so it reads like every other transfer.
        var total = Math.Max(1, source.Size);
        using var progress = context.Progress.Start($"convert to {Path.GetFileName(destination)}", total);
        var reported = 0L;
        var gate = new Lock();
        void OnLine(string line)
        {
            var match = Percentage().Match(line);
            if (match.Success && double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent))
            {
                lock (gate)
                {
                    var now = (long)(percent / 100 * total);
                    if (now > reported)
                    {
                        progress.Advance(now - reported);
                        reported = now;
                    }
                }
            }
        }

        await HostTool.RunAsync(
            context,
            "qemu-img",
            ["convert", "-p", "-f", source.Format, "-O", format, .. options, source.Path, destination],
            cancellationToken,
            OnLine);
    }

    [GeneratedRegex(@"\((\d+(?:\.\d+)?)/100%\)")]
    private static partial Regex Percentage();
}
