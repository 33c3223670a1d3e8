using Kiln.Builders.Qemu;
using Kiln.Engine;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// A bootable installer ISO made with grub-mkrescue (BIOS and UEFI GRUB): a kernel, an initrd, and a GRUB that waits
/// at its menu for ever, reading the keyboard and the serial port. A boot_command opens its command line ("c"), sets
/// the kernel's arguments and sources /boot/grub/boot.cfg, which loads and boots the kernel. The slow part (reading the
/// kernel and initrd from the CD under TCG) comes after the last keystroke: keys typed while GRUB reads the CD pile up
/// in the BIOS's 16-key buffer and the rest are lost, which is how boot commands become flaky.
/// </summary>
internal static class GrubIso
{
    private const string GrubConfig = """
        serial --unit=0 --speed=115200
        terminal_input console serial
        terminal_output serial console
        set timeout=-1
        menuentry 'Kiln test ISO: press c and boot the installer by hand' {
            echo 'c, then: set append=<kernel arguments>; source /boot/grub/boot.cfg'
        }

        """;

    /// <summary>The boot_command that boots the ISO's kernel with <paramref name="arguments"/> (no single quotes in them).</summary>
    public static IReadOnlyList<string> BootCommand(string arguments) =>
        ["c<wait3>", $"set append='{arguments}'<enter><wait>", "source /boot/grub/boot.cfg<enter>"];

    public static async Task MakeAsync(BuildContext context, string kernel, string initrd, string iso, CancellationToken ct)
    {
        var root = iso + ".root";
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "boot", "grub"));
            await File.WriteAllTextAsync(Path.Combine(root, "boot", "grub", "grub.cfg"), GrubConfig, ct);
            await File.WriteAllTextAsync(Path.Combine(root, "boot", "grub", "boot.cfg"), "linux /boot/vmlinuz $append\ninitrd /boot/initrd.gz\nboot\n", ct);
            foreach (var (source, target) in new[] { (kernel, "boot/vmlinuz"), (initrd, "boot/initrd.gz") })
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
