using Kiln.Diagnostics;

namespace Kiln.Builders.Qemu.Install;

/// <summary>
/// Debian's Secure Boot chain, taken from the bootstrapped system itself: shim signed by Microsoft's UEFI CA (which
/// OVMF's enrolled variables trust) and GRUB signed by Debian (which shim trusts). That GRUB only boots kernels signed
/// by Debian, as Debian's own kernel packages are, and it looks for its grub.cfg beside itself on the ESP.
/// </summary>
/// <param name="Shim">shimx64.efi.signed, booted as \EFI\BOOT\BOOTX64.EFI.</param>
/// <param name="Grub">grubx64.efi.signed, which shim loads from its own directory as grubx64.efi.</param>
internal sealed record SignedEfiChain(string Shim, string Grub)
{
    /// <summary>What the guest installs for the chain (grub-efi-amd64-signed alone pulls no boot loader installation).</summary>
    public static readonly IReadOnlyList<string> Packages = ["shim-signed", "grub-efi-amd64-signed"];

    private const string ShimPath = "usr/lib/shim/shimx64.efi.signed";

    private const string GrubPath = "usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed";

    /// <summary>The chain's files inside a bootstrapped root tree.</summary>
    public static SignedEfiChain From(string root)
    {
        var chain = new SignedEfiChain(Path.Combine(root, ShimPath), Path.Combine(root, GrubPath));
        foreach (var file in new[] { chain.Shim, chain.Grub })
        {
            if (!File.Exists(file))
            {
                throw new KilnException($"the bootstrapped system has no {file}", $"the signed boot chain comes from Debian's {string.Join(" and ", Packages)} packages; check that the mirror serves them");
            }
        }

        return chain;
    }
}
