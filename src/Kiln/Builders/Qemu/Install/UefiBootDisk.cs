using Kiln.Diagnostics;
using Kiln.Engine;

namespace Kiln.Builders.Qemu.Install;

/// <summary>
/// Makes a bootstrapped disk UEFI-bootable as well as BIOS-bootable: an EFI system partition (FAT, made with mtools,
/// no mount) at 1 MiB, before the root partition so the root can still grow to the disk's end, holding GRUB for
/// x86_64-efi at the removable-media path \EFI\BOOT\BOOTX64.EFI, which firmware boots without any boot entry. That
/// GRUB finds the root by its UUID and reads the same /boot/grub/grub.cfg as the BIOS GRUB does. With a
/// <see cref="SignedEfiChain"/>, the removable-media path holds Debian's signed shim, with the signed GRUB beside it
/// and the same first lines as its grub.cfg (in \EFI\BOOT and \EFI\debian, where that GRUB looks).
/// </summary>
internal static class UefiBootDisk
{
    public const long EspOffset = BiosBootDisk.PartitionOffset;

    public const long EspSize = 32L << 20;

    /// <summary>Where the root filesystem starts on a disk with an ESP.</summary>
    public const long RootOffset = EspOffset + EspSize;

    private const string GrubDirectory = "/usr/lib/grub/x86_64-efi";

    private static readonly string[] Modules =
        ["part_msdos", "part_gpt", "ext2", "fat", "normal", "linux", "search", "search_fs_uuid", "configfile", "echo", "test", "gzio", "efi_gop", "all_video"];

    /// <summary>Writes the ESP into <paramref name="disk"/> at <see cref="EspOffset"/>; the partition table is <see cref="BiosBootDisk"/>'s.</summary>
    public static async Task WriteEspAsync(BuildContext context, string disk, Guid rootUuid, string workDirectory, CancellationToken cancellationToken, SignedEfiChain? signed = null)
    {
        if (signed is null && !Directory.Exists(GrubDirectory))
        {
            throw new KilnException($"GRUB for UEFI ({GrubDirectory}) is missing", "install it: apt-get install grub-efi-amd64-bin");
        }

        var early = Path.Combine(workDirectory, "grub-efi-early.cfg");
        var efi = Path.Combine(workDirectory, "BOOTX64.EFI");
        var esp = Path.Combine(workDirectory, "esp.img");
        try
        {
            await File.WriteAllTextAsync(early, $"search --no-floppy --fs-uuid --set=root {rootUuid}\nset prefix=($root)/boot/grub\nconfigfile $prefix/grub.cfg\n", cancellationToken);
            if (signed is null)
            {
                await HostTool.RunAsync(context, "grub-mkimage", ["-O", "x86_64-efi", "-d", GrubDirectory, "-o", efi, "-p", "/boot/grub", "-c", early, .. Modules], cancellationToken);
            }

            var sectors = (EspSize / 512).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await HostTool.RunAsync(context, "mformat", ["-i", esp, "-C", "-T", sectors, "-h", "64", "-s", "32", "-v", "ESP", "::"], cancellationToken, hint: "mtools makes the EFI system partition: apt-get install mtools");
            await HostTool.RunAsync(context, "mmd", ["-i", esp, "::/EFI", "::/EFI/BOOT"], cancellationToken);
            if (signed is null)
            {
                await HostTool.RunAsync(context, "mcopy", ["-i", esp, efi, "::/EFI/BOOT/BOOTX64.EFI"], cancellationToken);
            }
            else
            {
                await HostTool.RunAsync(context, "mmd", ["-i", esp, "::/EFI/debian"], cancellationToken);
                await HostTool.RunAsync(context, "mcopy", ["-i", esp, signed.Shim, "::/EFI/BOOT/BOOTX64.EFI"], cancellationToken);
                await HostTool.RunAsync(context, "mcopy", ["-i", esp, signed.Grub, "::/EFI/BOOT/grubx64.efi"], cancellationToken);
                await HostTool.RunAsync(context, "mcopy", ["-i", esp, early, "::/EFI/BOOT/grub.cfg"], cancellationToken);
                await HostTool.RunAsync(context, "mcopy", ["-i", esp, early, "::/EFI/debian/grub.cfg"], cancellationToken);
            }

            await using var source = new FileStream(esp, FileMode.Open, FileAccess.Read);
            await using var target = new FileStream(disk, FileMode.Open, FileAccess.Write, FileShare.None);
            target.Position = EspOffset;
            await source.CopyToAsync(target, cancellationToken);
        }
        finally
        {
            File.Delete(early);
            File.Delete(efi);
            File.Delete(esp);
        }
    }
}
