using System.Globalization;

namespace Kiln.Builders.Qemu;

/// <summary>What a QEMU machine boots with. <see cref="Arguments"/> is pure so the plan and tests can show the command line.</summary>
internal sealed record QemuMachineOptions
{
    public required string Name { get; init; }

    public required string DiskPath { get; init; }

    public required string DiskFormat { get; init; }

    public required int Cpus { get; init; }

    public required int MemoryMiB { get; init; }

    public required bool UseKvm { get; init; }

    public string Machine { get; init; } = "q35";

    /// <summary>Boot without writing to the disk (the verify boot of a captured image).</summary>
    public bool Snapshot { get; init; }

    /// <summary>fw_cfg items (name → host file) the guest's first-boot unit reads, e.g. the build key.</summary>
    public IReadOnlyDictionary<string, string> FirmwareFiles { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>A cloud-init NoCloud seed (cidata ISO), attached read-only as a second virtio disk.</summary>
    public string? SeedImage { get; init; }

    /// <summary>The -device arguments that attach the drive "disk0" instead of virtio-blk, e.g. an AHCI disk as VMware's SATA.</summary>
    public IReadOnlyList<string>? DiskDevices { get; init; }

    /// <summary>QEMU's model of the network card (netdev "net0").</summary>
    public string NetworkDevice { get; init; } = "virtio-net-pci";

    /// <summary>
    /// A virtio-serial port for the QEMU guest agent (served on a unix socket) and a VM generation ID device: the
    /// machines a warm boot saves and resumes have them, so their device sets match and a resumed guest reseeds its
    /// random generator when it sees the new generation ID.
    /// </summary>
    public bool GuestAgent { get; init; }

    /// <summary>Start paused, waiting for a saved machine's state (migrate-incoming over QMP) instead of booting.</summary>
    public bool Incoming { get; init; }

    public IReadOnlyList<string> Arguments(int sshPort, string qmpSocket, string serialLog, string? agentSocket = null)
    {
        var args = new List<string>
        {
            "-name", Name,
            "-machine", $"{Machine},accel={(UseKvm ? "kvm" : "tcg")}",
            "-smp", Cpus.ToString(CultureInfo.InvariantCulture),
            "-m", MemoryMiB.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-no-user-config", "-display", "none",
            "-serial", $"file:{serialLog}",
            "-qmp", $"unix:{qmpSocket},server=on,wait=off",
            // unsafe: flushes are dropped while the build runs; QEMU still writes everything back when it exits
            // after the clean power-off the capture waits for. The verify boot writes to a throw-away snapshot.
            "-drive", $"file={EscapeOption(DiskPath)},format={DiskFormat},if={(DiskDevices is null ? "virtio" : "none,id=disk0")},cache={(Snapshot ? "writeback" : "unsafe")},discard=unmap",
            "-netdev", $"user,id=net0,hostfwd=tcp:127.0.0.1:{sshPort.ToString(CultureInfo.InvariantCulture)}-:22",
            "-device", $"{NetworkDevice},netdev=net0",
            "-device", "virtio-rng-pci",
        };
        args.AddRange(DiskDevices ?? []);
        if (UseKvm)
        {
            args.AddRange(["-cpu", "host"]);
        }

        if (Snapshot)
        {
            args.Add("-snapshot");
        }

        if (GuestAgent && agentSocket is not null)
        {
            args.AddRange([
                "-chardev", $"socket,id=kiln-agent,path={EscapeOption(agentSocket)},server=on,wait=off",
                "-device", "virtio-serial-pci,id=kiln-serial",
                "-device", "virtserialport,bus=kiln-serial.0,chardev=kiln-agent,name=org.qemu.guest_agent.0",
                "-device", "vmgenid,guid=auto",
            ]);
        }

        if (Incoming)
        {
            args.AddRange(["-incoming", "defer"]);
        }

        foreach (var (name, file) in FirmwareFiles)
        {
            args.AddRange(["-fw_cfg", $"name={name},file={EscapeOption(file)}"]);
        }

        if (SeedImage is not null)
        {
            // virtio rather than an IDE/AHCI CD: the cloud kernels of stock images lack AHCI.
            args.AddRange(["-drive", $"file={EscapeOption(SeedImage)},format=raw,if=virtio,readonly=on"]);
        }

        args.AddRange(ExtraArguments);
        return args;
    }

    /// <summary>QEMU's option syntax splits on commas; a literal comma is written twice.</summary>
    private static string EscapeOption(string value) => value.Replace(",", ",,", StringComparison.Ordinal);
}
