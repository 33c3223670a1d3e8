using Kiln.Builders.Qemu;
using Kiln.Engine;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// A bootable installer ISO made with grub-mkrescue (BIOS and UEFI GRUB): the given files, and a GRUB that waits at
/// its menu for ever, reading the keyboard and the serial port, so a boot_command must open its command line ("c")
/// and boot the kernel by hand, as with many real installer ISOs.
/// </summary>
internal static class GrubIso
{
    private const string GrubConfig = """
        serial --unit=0 --speed=115200
        terminal_input console serial
        terminal_output serial console
        set timeout=-1
        menuentry 'Kiln test ISO: press c and boot by hand' {
            echo 'linux <kernel> <arguments>; initrd <initrd>; boot'
        }

        """;

    public static async Task MakeAsync(BuildContext context, IReadOnlyList<(string Source, string Target)> files, string iso, CancellationToken ct)
    {
        var root = iso + ".root";
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "boot", "grub"));
            await File.WriteAllTextAsync(Path.Combine(root, "boot", "grub", "grub.cfg"), GrubConfig, ct);
            foreach (var (source, target) in files)
            {
                var path = Path.Combine(root, target);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.Copy(source, path);
            }

            await HostTool.RunAsync(context, "grub-mkrescue", ["-o", iso, root], ct);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
