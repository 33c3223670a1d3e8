using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kiln.Engine;

namespace Kiln.Builders.Qemu;

/// <summary>
/// Builds a self-booting Debian disk with mmdebstrap: the root tree is made in a directory, written into an ext4
/// with mke2fs -d (no mount), placed after an MBR with GRUB, and converted to a qcow2 cache entry.
/// </summary>
/// <param name="uefi">Also make the disk UEFI-bootable (an ESP before the root partition); a separate cache entry.</param>
/// <param name="secureBoot">With <paramref name="uefi"/>: boot through Debian's signed chain (shim, GRUB, kernel), as Secure Boot requires.</param>
internal sealed class DebianBootstrapper(BuildContext context, DebianBootstrapConfig config, ImageCache cache, bool uefi = false, bool secureBoot = false)
{
    /// <summary>Bump when the recipe below changes, so cached bases made by an older recipe are not reused.</summary>
    /// <remarks>4: no_timer_check, because a guest slowed down by a busy TCG host otherwise can panic at boot ("IO-APIC + timer doesn't work").</remarks>
    private const int RecipeVersion = 4;

    private static readonly string[] BasePackages =
    [
        "systemd-sysv", "udev", "dbus", "libpam-systemd", "systemd-resolved", "openssh-server", "sudo", "iproute2",
        "netbase", "ca-certificates", "cloud-guest-utils", "fdisk", "e2fsprogs", "kmod", "initramfs-tools",
        // The QEMU guest agent: a warm boot hands a resumed machine its build key, clock and randomness through it.
        "qemu-guest-agent",
    ];

    public IReadOnlyList<string> Packages => [.. (config.CloudInit ? CloudImageRecipe.Packages(BasePackages) : BasePackages).Append(config.Kernel).Concat(SignedBoot ? Install.SignedEfiChain.Packages : []).Concat(config.Packages).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private bool SignedBoot => uefi && secureBoot;

    /// <summary>Debian's public mirrors: the default on a host whose apt has no Debian mirror (an Ubuntu CI runner).</summary>
    internal const string PublicMirror = "http://deb.debian.org/debian";

    internal const string PublicSecurityMirror = "http://deb.debian.org/debian-security";

    public (string Mirror, string? Security) Mirrors() => ChooseMirrors(config, AptSources.FindMirrors(config.Suite));

    /// <summary>The definition's mirrors, else the host's, else (a host whose apt has no Debian mirror) Debian's public ones.</summary>
    internal static (string Mirror, string? Security) ChooseMirrors(DebianBootstrapConfig config, (string? Mirror, string? Security) host)
    {
        if (host.Mirror is null && config.Mirror is null)
        {
            return (PublicMirror, (config.SecurityMirror ?? PublicSecurityMirror).TrimEnd('/'));
        }

        var mirror = config.Mirror ?? host.Mirror!;
        return (mirror.TrimEnd('/'), (config.SecurityMirror ?? host.Security)?.TrimEnd('/'));
    }

    /// <summary>
    /// A host whose apt does not use Debian's archive does not trust its keys either: mmdebstrap is then given
    /// Debian's keyring (the debian-archive-keyring package, which Ubuntu ships too).
    /// </summary>
    internal static IReadOnlyList<string> KeyringArguments(string? hostMirror) =>
        hostMirror is null ? [$"--keyring={HostRequirement.DebianArchiveKeyring.Tool}"] : [];

    /// <summary>The hash of everything that shapes the disk: the cache key.</summary>
    public string InputHash()
    {
        var (mirror, security) = Mirrors();
        var inputs = JsonSerializer.Serialize(new
        {
            recipe = RecipeVersion,
            distribution = config.Distribution,
            suite = config.Suite,
            sources = AptSources.GuestSources(config.Suite, mirror, security),
            packages = Packages,
            cloudInit = config.CloudInit ? CloudImageRecipe.Version : 0,
        });
        // BIOS-only disks keep the key they always had; UEFI-bootable ones differ in layout, so in key too.
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(uefi ? inputs + "|uefi" : inputs)))[..24];
    }

    public string CachePath => cache.PathFor("bootstrap", $"debian-{config.Suite}{(config.CloudInit ? "-cloud" : "")}-{(uefi ? "uefi-" : "")}{(SignedBoot ? "signed-" : "")}{InputHash()}.qcow2");

    public async Task<string> GetOrBuildAsync(CancellationToken cancellationToken)
    {
        var path = CachePath;
        if (File.Exists(path))
        {
            context.Log.Info($"using the cached Debian {config.Suite} base {path}");
            return path;
        }

        return await ImageCache.GetOrCreateAsync(path, BuildAsync, cancellationToken);
    }

    private async Task BuildAsync(string destination, CancellationToken cancellationToken)
    {
        var (mirror, security) = Mirrors();
        context.Log.Info($"bootstrapping Debian {config.Suite} from {mirror} (cached afterwards as {CachePath})");
        var work = Path.Combine(context.WorkDirectory, "bootstrap");
        var workEntry = await context.Ledger.RecordAsync(new LedgerResource("directory", work), cancellationToken);
        try
        {
            Directory.CreateDirectory(work);
            var rootUuid = Guid.NewGuid();
            var essentialFiles = Path.Combine(work, "essential");
            var customizeFiles = Path.Combine(work, "customize");
            WriteEssentialFiles(essentialFiles);
            WriteCustomizeFiles(customizeFiles, rootUuid, config.CloudInit);
            var root = Path.Combine(work, "root");

            string[] arguments =
            [
                "--mode=auto",
                "--variant=apt",
                .. KeyringArguments(AptSources.FindMirrors(config.Suite).Mirror),
                "--include=" + string.Join(',', Packages),
                $"--essential-hook=sync-in {essentialFiles} /",
                $"--customize-hook=sync-in {customizeFiles} /",
                .. config.CloudInit ? CloudImageRecipe.Hooks :
                [
                    "--customize-hook=chroot \"$1\" systemctl enable systemd-networkd.service systemd-resolved.service ssh.service " + GuestFiles.GuestInitUnit,
                    "--customize-hook=chroot \"$1\" systemctl mask systemd-networkd-wait-online.service",
                ],
                // Host keys made now would be shared by every machine; the guest init makes them at first boot.
                "--customize-hook=rm -f \"$1\"/etc/ssh/ssh_host_*",
                "--customize-hook=rm -f \"$1\"/var/lib/dbus/machine-id && : > \"$1\"/etc/machine-id",
                "--customize-hook=echo debian > \"$1\"/etc/hostname",
                "--customize-hook=printf '127.0.0.1\\tlocalhost\\n127.0.1.1\\tdebian\\n::1\\tlocalhost ip6-localhost ip6-loopback\\n' > \"$1\"/etc/hosts",
                "--customize-hook=find \"$1\"/var/cache/apt \"$1\"/var/lib/apt/lists -maxdepth 2 -type f ! -name lock -delete",
                config.Suite,
                root,
                .. AptSources.GuestSources(config.Suite, mirror, security),
            ];
            await HostTool.RunAsync(
                context,
                "mmdebstrap",
                arguments,
                cancellationToken,
                line => context.Log.Verbose("mmdebstrap: " + line),
                "mmdebstrap needs root (or unprivileged user namespaces) and the mirror reachable; the full output is in the verbose log");

            var raw = Path.Combine(work, "disk.raw");
            await WriteDiskAsync(root, raw, rootUuid, cancellationToken);
            Directory.Delete(root, recursive: true);
            context.Log.Info("converting the bootstrapped disk to qcow2");
            await HostTool.RunAsync(context, "qemu-img", ["convert", "-f", "raw", "-O", "qcow2", raw, destination], cancellationToken);
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }

            await workEntry.ReleaseAsync(CancellationToken.None);
        }
    }

    private async Task WriteDiskAsync(string root, string raw, Guid rootUuid, CancellationToken cancellationToken)
    {
        var (bytes, entries) = Measure(root);
        // Room for ext4's metadata and journal plus a little free space; the guest grows it to disk_size at boot.
        var filesystemMiB = (long)Math.Ceiling((bytes * 1.2 / (1 << 20)) + 256);
        var inodes = Math.Max(entries * 2, 65536);
        var rootOffset = uefi ? Install.UefiBootDisk.RootOffset : BiosBootDisk.PartitionOffset;
        await using (var file = new FileStream(raw, FileMode.CreateNew, FileAccess.Write))
        {
            file.SetLength(rootOffset + (filesystemMiB << 20));
        }

        context.Log.Info($"writing a {filesystemMiB} MiB ext4 root filesystem");
        await HostTool.RunAsync(
            context,
            "mke2fs",
            ["-q", "-F", "-t", "ext4", "-d", root, "-U", rootUuid.ToString(), "-L", "root", "-N", inodes.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "-E", $"offset={rootOffset}", raw, $"{filesystemMiB}M"],
            cancellationToken);
        if (!uefi)
        {
            await BiosBootDisk.InstallAsync(context, raw, Path.GetDirectoryName(raw)!, cancellationToken);
            return;
        }

        await BiosBootDisk.InstallAsync(context, raw, Path.GetDirectoryName(raw)!, cancellationToken, rootOffset, (Install.UefiBootDisk.EspOffset, Install.UefiBootDisk.EspSize));
        await Install.UefiBootDisk.WriteEspAsync(context, raw, rootUuid, Path.GetDirectoryName(raw)!, cancellationToken, SignedBoot ? Install.SignedEfiChain.From(root) : null);
    }

    private static (long Bytes, long Entries) Measure(string root)
    {
        long bytes = 0, entries = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", options))
        {
            entries++;
            if (entry is FileInfo { LinkTarget: null } file)
            {
                bytes += ((file.Length + 4095) / 4096) * 4096;
            }
        }

        return (bytes, entries);
    }

    private static void WriteEssentialFiles(string directory)
    {
        Write(directory, "etc/initramfs-tools/conf.d/kiln", GuestFiles.InitramfsConf);
        Write(directory, "etc/initramfs-tools/hooks/kiln", GuestFiles.InitramfsHook, executable: true);
    }

    private static void WriteCustomizeFiles(string directory, Guid rootUuid, bool cloudImage)
    {
        if (cloudImage)
        {
            Write(directory, CloudImageRecipe.DatasourcesPath, CloudImageRecipe.Datasources);
        }
        else
        {
            Write(directory, GuestFiles.GuestInitPath, GuestFiles.GuestInit, executable: true);
            Write(directory, "etc/systemd/system/" + GuestFiles.GuestInitUnit, GuestFiles.GuestInitService);
            Write(directory, "etc/systemd/network/80-kiln-dhcp.network", GuestFiles.DhcpNetwork);
        }

        Write(directory, "boot/grub/grub.cfg", GuestFiles.GrubConfig(rootUuid));
        Write(directory, "etc/fstab", GuestFiles.Fstab(rootUuid));
    }

    private static void Write(string directory, string relative, string content, bool executable = false)
    {
        var path = Path.Combine(directory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content.ReplaceLineEndings("\n"));
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.SetUnixFileMode(path, executable
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }
}
