using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Builders.Qemu;

[Description("The VMware machine the vmx format describes. Its hardware must be something the captured Debian kernel drives; every choice here is.")]
internal sealed class QemuVmxConfig
{
    [Description("bios only: the qemu builder boots and captures the disk with SeaBIOS and GRUB for BIOS, so VMware must boot it the same way. efi is refused.")]
    public VmxFirmware Firmware { get; init; } = VmxFirmware.Bios;

    [Description("How the vmdk is written: monolithic_sparse (one growable file VMware Workstation, Fusion and Player attach directly) or stream_optimized (compressed, what OVAs and vSphere imports carry).")]
    public VmdkSubformat DiskType { get; init; } = VmdkSubformat.MonolithicSparse;

    [Description("Disk controller: sata (AHCI), scsi (VMware paravirtual SCSI) or nvme.")]
    public VmxDiskAdapter DiskAdapter { get; init; } = VmxDiskAdapter.Sata;

    [Description("Network card: e1000, e1000e or vmxnet3.")]
    public VmxNetworkAdapter NetworkAdapter { get; init; } = VmxNetworkAdapter.E1000;

    [Description("VMware guest OS identifier (guestOS in the vmx), e.g. debian12-64, debian11-64, other5xlinux-64.")]
    public string GuestOs { get; init; } = "debian12-64";

    [Description("VMware virtual hardware version (virtualHW.version): 20 is Workstation 17 / ESXi 8. Lower it for older products; debian12-64 needs 20.")]
    public int HardwareVersion { get; init; } = 20;

    internal IEnumerable<ConfigProblem> Validate(QemuBaseConfig baseConfig)
    {
        if (Firmware != VmxFirmware.Bios)
        {
            yield return new ConfigProblem(
                "firmware",
                $"firmware {ConfigModel.SnakeCase(Firmware.ToString())} does not match the disk: the qemu builder boots and captures it with BIOS (SeaBIOS, GRUB for BIOS), which VMware's efi firmware cannot start",
                "use firmware: bios");
        }

        if (HardwareVersion is < 10 or > 21)
        {
            yield return new ConfigProblem("hardware_version", $"VMware virtual hardware versions go from 10 to 21, not {HardwareVersion}", "e.g. hardware_version: 20");
        }

        if (string.IsNullOrWhiteSpace(GuestOs) || !GuestOs.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            yield return new ConfigProblem("guest_os", $"'{GuestOs}' is not a VMware guest OS identifier", "e.g. guest_os: debian12-64");
        }

        if (baseConfig.Bootstrap is { Kernel: var kernel } && kernel.Contains("-cloud-", StringComparison.Ordinal))
        {
            yield return new ConfigProblem(
                "disk_adapter",
                $"the bootstrapped kernel {kernel} has no driver for VMware's {ConfigModel.SnakeCase(DiskAdapter.ToString())} disk and {ConfigModel.SnakeCase(NetworkAdapter.ToString())} network card",
                "use base.bootstrap.kernel: linux-image-amd64 for a vmx");
        }
    }
}

internal enum VmxFirmware
{
    Bios,
    Efi,
}

internal enum VmdkSubformat
{
    MonolithicSparse,
    StreamOptimized,
}

internal enum VmxDiskAdapter
{
    Sata,
    Scsi,
    Nvme,
}

internal enum VmxNetworkAdapter
{
    E1000,
    E1000e,
    Vmxnet3,
}
