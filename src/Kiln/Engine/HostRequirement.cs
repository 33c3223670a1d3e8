namespace Kiln.Engine;

/// <summary>
/// A program (or, given as an absolute path, a file) that a plugin uses on the build host, and the Debian/Ubuntu
/// package that provides it. Plugins declare these (<see cref="IDeclaresHostRequirements"/>); the preflight at the
/// start of BuildImages, the install step of generated CI jobs and .ci/packages all read the same declarations.
/// </summary>
public sealed record HostRequirement(string Tool, string Package)
{
    public static readonly HostRequirement QemuSystem = new("qemu-system-x86_64", "qemu-system-x86");
    public static readonly HostRequirement QemuImg = new("qemu-img", "qemu-utils");
    public static readonly HostRequirement Mmdebstrap = new("mmdebstrap", "mmdebstrap");
    public static readonly HostRequirement Mke2fs = new("mke2fs", "e2fsprogs");
    public static readonly HostRequirement GrubMkimage = new("grub-mkimage", "grub-pc-bin");
    public static readonly HostRequirement SshKeygen = new("ssh-keygen", "openssh-client");
    public static readonly HostRequirement AnsiblePlaybook = new("ansible-playbook", "ansible-core");

    /// <summary>Debian's archive keys: what lets mmdebstrap trust Debian's mirror on a host whose apt is not Debian's.</summary>
    public static readonly HostRequirement DebianArchiveKeyring = new("/usr/share/keyrings/debian-archive-keyring.gpg", "debian-archive-keyring");

    /// <summary>Every requirement a built-in plugin can declare.</summary>
    public static IReadOnlyList<HostRequirement> Known { get; } =
        [QemuSystem, QemuImg, Mmdebstrap, Mke2fs, GrubMkimage, SshKeygen, AnsiblePlaybook, DebianArchiveKeyring];

    /// <summary>The package that provides <paramref name="tool"/> (a name or path), when Kiln knows it.</summary>
    public static string? PackageOf(string tool) =>
        Known.FirstOrDefault(r => r.Tool == tool || r.Tool == Path.GetFileName(tool))?.Package;

    public override string ToString() => $"{Tool} ({Package})";
}
