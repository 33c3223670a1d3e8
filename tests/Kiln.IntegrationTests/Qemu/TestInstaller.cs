using Kiln.Builders.Qemu;
using Kiln.Engine;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// A small installer the tests build themselves, from real parts: Debian's kernel and its virtio/ext4 modules (taken
/// out of Kiln's bootstrapped base with debugfs), busybox-static as the whole userland, GRUB on a grub-mkrescue ISO
/// that waits at its menu. Typed at GRUB's command line, the kernel gets <c>kiln.answer=&lt;URL&gt;</c>; its init
/// fetches that answer file, then the disk image it names (the bootstrapped base's disk: MBR, GRUB, ext4 root), writes
/// it to /dev/vda, applies the answers (hostname, root password, a user with a password) and powers off. Made once per base, kept in the cache
/// (only the ISO and the disk image: the folder is served as the build's http_directory).
/// </summary>
internal sealed record TestInstaller(string Iso, string DiskImageGz)
{
    /// <summary>Modules the installer loads, in dependency order (each after what modules.dep says it needs).</summary>
    private static readonly string[] WantedModules = ["virtio_pci", "virtio_blk", "virtio_net", "crc32c_generic", "ext4"];

    private const string Init = """
        #!/bin/busybox sh
        /bin/busybox --install -s /bin
        mount -t proc proc /proc
        mount -t sysfs sysfs /sys
        mount -t devtmpfs devtmpfs /dev
        fail() { echo "kiln test installer: FAILED: $*"; sleep 2; poweroff -f; }
        echo "kiln test installer: loading drivers"
        for module in $(cat /modules.list); do insmod "/modules/$module" || fail "insmod $module"; done
        answer=$(sed -n 's/.*kiln\.answer=\([^ ]*\).*/\1/p' /proc/cmdline)
        [ -n "$answer" ] || fail "no kiln.answer= on the kernel command line"
        ip link set lo up
        ip link set eth0 up || fail "no network interface"
        ip addr add 10.0.2.15/24 dev eth0
        ip route add default via 10.0.2.2
        echo "kiln test installer: fetching the answer file $answer"
        wget -q -O /answer.cfg "$answer" || fail "cannot fetch $answer"
        . /answer.cfg
        echo "kiln test installer: writing $IMAGE to $DISK"
        wget -q -O - "$IMAGE" | gunzip | dd of="$DISK" bs=1M 2>/dev/null || fail "cannot write $IMAGE"
        sync
        blockdev --rereadpt "$DISK" || partprobe "$DISK"
        sleep 1
        mkdir -p /target
        mount -t ext4 "${DISK}1" /target || fail "cannot mount ${DISK}1"
        echo "$HOSTNAME" > /target/etc/hostname
        sed -i "s/\bdebian\b/$HOSTNAME/" /target/etc/hosts
        if [ -n "${ROOT_PASSWORD:-}" ]; then
            hash=$(mkpasswd -m sha512 "$ROOT_PASSWORD")
            sed -i "s|^root:[^:]*:|root:$hash:|" /target/etc/shadow
        fi
        if [ -n "${USER_NAME:-}" ]; then
            # The installer's user, as Debian's preseed passwd/user-* makes it: a password login in group sudo
            # (sudo asks for the password).
            ! grep -q '^[^:]*:[^:]*:1000:' /target/etc/passwd || fail "uid 1000 is taken"
            hash=$(mkpasswd -m sha512 "$USER_PASSWORD")
            echo "$USER_NAME:x:1000:1000::/home/$USER_NAME:/bin/bash" >> /target/etc/passwd
            echo "$USER_NAME:$hash:20000:0:99999:7:::" >> /target/etc/shadow
            echo "$USER_NAME:x:1000:" >> /target/etc/group
            awk -F: -v OFS=: -v user="$USER_NAME" '$1 == "sudo" { $4 = ($4 == "" ? user : $4 "," user) } 1' /target/etc/group > /group.new
            cat /group.new > /target/etc/group
            mkdir -p "/target/home/$USER_NAME"
            cp -a /target/etc/skel/. "/target/home/$USER_NAME/"
            chown -R 1000:1000 "/target/home/$USER_NAME"
            chmod 0700 "/target/home/$USER_NAME"
        fi
        echo "installed from $answer" > /target/etc/kiln-test-installer
        umount /target
        sync
        echo "kiln test installer: done, powering off"
        poweroff -f

        """;

    public static async Task<TestInstaller> GetAsync(BuildContext context, string cacheDirectory, CancellationToken ct)
    {
        var cache = new ImageCache(cacheDirectory);
        var baseImage = await new DebianBootstrapper(context, new DebianBootstrapConfig(), cache).GetOrBuildAsync(ct);
        var directory = cache.PathFor("test-installer", Path.GetFileNameWithoutExtension(baseImage) + "-v4");
        var parts = new TestInstaller(Path.Combine(directory, "installer.iso"), Path.Combine(directory, "disk.img.gz"));
        if (File.Exists(parts.Iso))
        {
            return parts;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(directory)!);
        await using var entryLock = await ImageCache.LockAsync(directory + ".lock", ct);
        if (File.Exists(parts.Iso))
        {
            return parts;
        }

        var work = directory + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await MakeAsync(context, baseImage, work, ct);
            Directory.Move(work, directory);
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }

        return parts;
    }

    private static async Task MakeAsync(BuildContext context, string baseImage, string work, CancellationToken ct)
    {
        Directory.CreateDirectory(work);
        var raw = Path.Combine(work, "disk.raw");
        await HostTool.RunAsync(context, "qemu-img", ["convert", "-f", "qcow2", "-O", "raw", baseImage, raw], ct);
        var root = $"{raw}?offset={BiosBootDisk.PartitionOffset}";
        var version = (await Debugfs(context, root, "ls -p /lib/modules", ct))
            .Split('\n').Select(l => l.Split('/')).Where(f => f.Length > 5 && f[5].Length > 0 && f[5] != "." && f[5] != "..").Select(f => f[5]).Single();

        var kernel = Path.Combine(work, "vmlinuz");
        await Debugfs(context, root, $"dump /boot/vmlinuz-{version} {kernel}", ct);

        var initramfs = Path.Combine(work, "initramfs");
        foreach (var dir in new[] { "bin", "proc", "sys", "dev", "modules" })
        {
            Directory.CreateDirectory(Path.Combine(initramfs, dir));
        }

        File.Copy("/bin/busybox", Path.Combine(initramfs, "bin", "busybox"));
        await File.WriteAllTextAsync(Path.Combine(initramfs, "init"), Init.ReplaceLineEndings("\n"), ct);
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(Path.Combine(initramfs, "init"), (UnixFileMode)0b111_101_101);
        }

        var modulesDep = Path.Combine(work, "modules.dep");
        await Debugfs(context, root, $"dump /lib/modules/{version}/modules.dep {modulesDep}", ct);
        var order = ModuleOrder(await File.ReadAllLinesAsync(modulesDep, ct), WantedModules);
        foreach (var module in order)
        {
            await Debugfs(context, root, $"dump /lib/modules/{version}/{module} {Path.Combine(initramfs, "modules", Path.GetFileName(module))}", ct);
        }

        await File.WriteAllTextAsync(Path.Combine(initramfs, "modules.list"), string.Join('\n', order.Select(Path.GetFileName)) + "\n", ct);
        var initrd = Path.Combine(work, "initrd.gz");
        await HostTool.RunAsync(context, "sh", ["-c", $"cd '{initramfs}' && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > '{initrd}'"], ct);
        await GrubIso.MakeAsync(context, kernel, initrd, Path.Combine(work, "installer.iso"), ct);
        // The guest writes every byte it is sent, slowly under TCG: shrink the root filesystem to its contents and cut
        // the disk after it. The partition entry keeps its size; the installed system grows both at its first boot.
        await HostTool.RunAsync(context, "resize2fs", ["-M", root], ct);
        var header = (await HostTool.RunAsync(context, "dumpe2fs", ["-h", root], ct)).Split('\n');
        long Field(string name) => long.Parse(header.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal)).Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await using (var disk = new FileStream(raw, FileMode.Open, FileAccess.Write))
        {
            disk.SetLength(BiosBootDisk.PartitionOffset + (Field("Block count") * Field("Block size")));
        }

        await HostTool.RunAsync(context, "sh", ["-c", $"gzip -1 -c '{raw}' > '{Path.Combine(work, "disk.img.gz")}'"], ct);
        foreach (var file in new[] { raw, kernel, initrd, modulesDep })
        {
            File.Delete(file);
        }

        Directory.Delete(initramfs, recursive: true);
    }

    /// <summary>The .ko paths (relative to /lib/modules/&lt;version&gt;) of <paramref name="wanted"/> and their dependencies, dependencies first.</summary>
    internal static IReadOnlyList<string> ModuleOrder(IEnumerable<string> modulesDep, IEnumerable<string> wanted)
    {
        var dependencies = modulesDep.Where(l => l.Contains(':', StringComparison.Ordinal))
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var byName = dependencies.Keys.ToDictionary(k => Path.GetFileNameWithoutExtension(k).Replace('-', '_'), k => k);
        var order = new List<string>();
        void Visit(string path)
        {
            if (order.Contains(path))
            {
                return;
            }

            foreach (var dependency in dependencies[path])
            {
                Visit(dependency);
            }

            order.Add(path);
        }

        foreach (var name in wanted)
        {
            Visit(byName[name]);
        }

        return order;
    }

    private static Task<string> Debugfs(BuildContext context, string device, string request, CancellationToken ct) =>
        HostTool.RunAsync(context, "debugfs", ["-R", request, device], ct);
}
