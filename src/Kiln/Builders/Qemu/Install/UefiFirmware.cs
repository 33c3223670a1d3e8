using Kiln.Diagnostics;

namespace Kiln.Builders.Qemu.Install;

/// <summary>
/// OVMF, the UEFI firmware for QEMU from Debian's ovmf package: its code read-only and shared, and a copy of its
/// variable store for each machine (UEFI writes boot entries there). Secure Boot uses the secboot code with SMM and
/// the variable store with Microsoft's keys enrolled.
/// </summary>
internal static class UefiFirmware
{
    public const string Directory = "/usr/share/OVMF";

    public static string CodePath(bool secureBoot) => Path.Combine(Directory, secureBoot ? "OVMF_CODE_4M.secboot.fd" : "OVMF_CODE_4M.fd");

    public static string VarsTemplatePath(bool secureBoot) => Path.Combine(Directory, secureBoot ? "OVMF_VARS_4M.ms.fd" : "OVMF_VARS_4M.fd");

    /// <summary>Fails with the package to install when OVMF's files are missing.</summary>
    public static void EnsureInstalled(bool secureBoot)
    {
        foreach (var path in new[] { CodePath(secureBoot), VarsTemplatePath(secureBoot) })
        {
            if (!File.Exists(path))
            {
                throw new KilnException($"firmware: uefi needs OVMF, but {path} is missing", "install it: apt-get install ovmf");
            }
        }
    }

    /// <summary>The machine type with SMM when Secure Boot needs it.</summary>
    public static string Machine(string machine, bool secureBoot) => secureBoot ? machine + ",smm=on" : machine;

    /// <summary>QEMU's pflash drives for the code and this machine's variable store.</summary>
    public static IReadOnlyList<string> Arguments(string varsPath, bool secureBoot)
    {
        List<string> arguments =
        [
            "-drive", $"if=pflash,format=raw,unit=0,readonly=on,file={CodePath(secureBoot).Replace(",", ",,", StringComparison.Ordinal)}",
            "-drive", $"if=pflash,format=raw,unit=1,file={varsPath.Replace(",", ",,", StringComparison.Ordinal)}",
        ];
        if (secureBoot)
        {
            arguments.AddRange(["-global", "driver=cfi.pflash01,property=secure,value=on"]);
        }

        return arguments;
    }
}
