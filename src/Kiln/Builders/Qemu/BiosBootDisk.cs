using System.Buffers.Binary;
using Kiln.Diagnostics;
using Kiln.Engine;

namespace Kiln.Builders.Qemu;

/// <summary>
/// Turns a raw file into a BIOS-bootable disk without loop devices or mounts: an MBR partition table with one
/// bootable Linux partition at 1 MiB, GRUB's boot sector in the MBR and its core image in the gap before the
/// partition (where grub-install embeds it), with ext2 and msdos support built in so it finds /boot/grub/grub.cfg.
/// </summary>
internal static class BiosBootDisk
{
    public const long PartitionOffset = 1024 * 1024;
    private const string GrubDirectory = "/usr/lib/grub/i386-pc";

    // GRUB's i386-pc boot.img layout (grub/include/grub/i386/pc/boot.h).
    private const int KernelSectorOffset = 0x5c;
    private const int DriveCheckOffset = 0x66;
    private const int DiskSignatureOffset = 0x1b8;
    private const int PartitionTableOffset = 0x1be;

    private static readonly string[] CoreModules =
        ["biosdisk", "part_msdos", "ext2", "normal", "linux", "search", "search_fs_uuid", "configfile", "echo", "test", "gzio"];

    /// <summary>
    /// Writes the partition table and GRUB into <paramref name="disk"/>, whose filesystem starts at <paramref name="rootOffset"/>
    /// (<see cref="PartitionOffset"/> by default). An <paramref name="esp"/> becomes the second partition (type EF, for UEFI).
    /// </summary>
    public static async Task InstallAsync(BuildContext context, string disk, string workDirectory, CancellationToken cancellationToken, long rootOffset = PartitionOffset, (long Offset, long Size)? esp = null)
    {
        var bootImage = Path.Combine(GrubDirectory, "boot.img");
        if (!File.Exists(bootImage))
        {
            throw new KilnException($"GRUB's BIOS boot image {bootImage} is missing", "install it: apt-get install grub-pc-bin");
        }

        var coreImage = Path.Combine(workDirectory, "core.img");
        await HostTool.RunAsync(
            context,
            "grub-mkimage",
            ["-O", "i386-pc", "-d", GrubDirectory, "-o", coreImage, "-p", "(hd0,msdos1)/boot/grub", .. CoreModules],
            cancellationToken);
        var core = await File.ReadAllBytesAsync(coreImage, cancellationToken);
        File.Delete(coreImage);
        if (512 + core.Length > PartitionOffset)
        {
            throw new KilnException($"GRUB's core image ({core.Length} bytes) does not fit before the partition");
        }

        var boot = await File.ReadAllBytesAsync(bootImage, cancellationToken);
        await using var stream = new FileStream(disk, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var mbr = MasterBootRecord(boot, stream.Length, Random.Shared.Next(), rootOffset, esp);
        stream.Position = 0;
        await stream.WriteAsync(mbr, cancellationToken);
        await stream.WriteAsync(core, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>GRUB's boot sector, told to load the core from sector 1, plus a table with one bootable partition filling the disk.</summary>
    internal static byte[] MasterBootRecord(ReadOnlySpan<byte> grubBootImage, long diskBytes, int diskSignature, long rootOffset = PartitionOffset, (long Offset, long Size)? esp = null)
    {
        if (grubBootImage.Length != 512)
        {
            throw new KilnException($"GRUB's boot.img has {grubBootImage.Length} bytes, not 512");
        }

        var mbr = grubBootImage.ToArray();
        BinaryPrimitives.WriteUInt64LittleEndian(mbr.AsSpan(KernelSectorOffset), 1);
        // A hard disk: skip the check for buggy BIOSes passing a floppy drive number, as grub-install does.
        mbr[DriveCheckOffset] = 0x90;
        mbr[DriveCheckOffset + 1] = 0x90;
        BinaryPrimitives.WriteInt32LittleEndian(mbr.AsSpan(DiskSignatureOffset), diskSignature);
        mbr[DiskSignatureOffset + 4] = 0;
        mbr[DiskSignatureOffset + 5] = 0;
        mbr.AsSpan(PartitionTableOffset, 64).Clear();

        var firstSector = rootOffset / 512;
        var sectors = (diskBytes / 512) - firstSector;
        if (sectors <= 0 || sectors > uint.MaxValue)
        {
            throw new KilnException($"a disk of {diskBytes} bytes cannot have an MBR partition at 1 MiB");
        }

        var entry = mbr.AsSpan(PartitionTableOffset, 16);
        entry[0] = 0x80; // bootable
        entry[1] = 0xfe; // CHS fields at their maximum: LBA only, as modern tools write them
        entry[2] = 0xff;
        entry[3] = 0xff;
        entry[4] = 0x83; // Linux
        entry[5] = 0xfe;
        entry[6] = 0xff;
        entry[7] = 0xff;
        BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], (uint)firstSector);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], (uint)sectors);
        if (esp is { } partition)
        {
            var second = mbr.AsSpan(PartitionTableOffset + 16, 16);
            second[1] = 0xfe;
            second[2] = 0xff;
            second[3] = 0xff;
            second[4] = 0xef; // EFI system partition
            second[5] = 0xfe;
            second[6] = 0xff;
            second[7] = 0xff;
            BinaryPrimitives.WriteUInt32LittleEndian(second[8..], (uint)(partition.Offset / 512));
            BinaryPrimitives.WriteUInt32LittleEndian(second[12..], (uint)(partition.Size / 512));
        }

        mbr[510] = 0x55;
        mbr[511] = 0xaa;
        return mbr;
    }
}
