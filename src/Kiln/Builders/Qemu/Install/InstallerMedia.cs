namespace Kiln.Builders.Qemu.Install;

/// <summary>QEMU arguments for an installer's media: read-only CD drives on the machine's IDE/AHCI bus and a directly booted kernel.</summary>
internal static class InstallerMedia
{
    public static IReadOnlyList<string> Cdrom(string iso, int index) =>
        ["-drive", $"file={iso.Replace(",", ",,", StringComparison.Ordinal)},media=cdrom,readonly=on,if=ide,index={index}"];

    public static IReadOnlyList<string> Kernel(string kernel, string? initrd, string append)
    {
        List<string> arguments = ["-kernel", kernel];
        if (initrd is not null)
        {
            arguments.AddRange(["-initrd", initrd]);
        }

        if (append.Length > 0)
        {
            arguments.AddRange(["-append", append]);
        }

        return arguments;
    }
}
