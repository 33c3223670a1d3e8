using System.Globalization;
using System.Text;

namespace Kiln.Builders.Qemu;

/// <summary>
/// A VMware virtual machine folder: the .vmx (VMware's key = "value" configuration) and the vmdk it attaches.
/// No .nvram is written: the firmware is always BIOS here, and VMware creates the BIOS nvram at first power-on.
/// </summary>
internal static class VmxBundle
{
    public const string FolderExtension = ".vmwarevm";

    public sealed record Machine(string Name, int Cpus, int MemoryMiB, QemuVmxConfig Vmx);

    public static string DiskFileName(string name) => name + "-disk1.vmdk";

    public static string VmxFileName(string name) => name + ".vmx";

    /// <summary>qemu-img options for the vmdk: the subformat, and the adapter type VMware expects in the descriptor for a non-IDE disk.</summary>
    public static IReadOnlyList<string> VmdkOptions(VmdkSubformat subformat) =>
        ["-o", $"subformat={(subformat == VmdkSubformat.StreamOptimized ? "streamOptimized" : "monolithicSparse")},adapter_type=lsilogic"];

    public static async Task WriteVmxAsync(string folder, Machine machine, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, VmxFileName(machine.Name));
        await File.WriteAllTextAsync(path, Render(Entries(machine)), new UTF8Encoding(false), cancellationToken);
    }

    /// <summary>The vmx's keys in the order VMware writes them; values are always quoted strings.</summary>
    internal static IReadOnlyList<KeyValuePair<string, string>> Entries(Machine machine)
    {
        static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
        var vmx = machine.Vmx;
        var entries = new List<KeyValuePair<string, string>>();
        void Add(string key, string value) => entries.Add(new(key, value));

        Add(".encoding", "UTF-8");
        Add("config.version", "8");
        Add("virtualHW.version", Number(vmx.HardwareVersion));
        Add("displayName", machine.Name);
        Add("guestOS", vmx.GuestOs);
        Add("firmware", "bios");
        Add("numvcpus", Number(machine.Cpus));
        Add("memsize", Number(machine.MemoryMiB));

        // PCI and PCIe bridges as VMware creates them for a new machine: e1000e, vmxnet3 and NVMe sit behind a PCIe root port.
        Add("pciBridge0.present", "TRUE");
        foreach (var bridge in new[] { 4, 5, 6, 7 })
        {
            Add($"pciBridge{bridge}.present", "TRUE");
            Add($"pciBridge{bridge}.virtualDev", "pcieRootPort");
            Add($"pciBridge{bridge}.functions", "8");
        }

        var disk = DiskFileName(machine.Name);
        switch (vmx.DiskAdapter)
        {
            case VmxDiskAdapter.Sata:
                Add("sata0.present", "TRUE");
                Add("sata0:0.present", "TRUE");
                Add("sata0:0.fileName", disk);
                break;
            case VmxDiskAdapter.Scsi:
                Add("scsi0.present", "TRUE");
                Add("scsi0.virtualDev", "pvscsi");
                Add("scsi0:0.present", "TRUE");
                Add("scsi0:0.fileName", disk);
                break;
            case VmxDiskAdapter.Nvme:
                Add("nvme0.present", "TRUE");
                Add("nvme0:0.present", "TRUE");
                Add("nvme0:0.fileName", disk);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(machine), vmx.DiskAdapter, "not a disk adapter");
        }

        Add("ethernet0.present", "TRUE");
        Add("ethernet0.virtualDev", vmx.NetworkAdapter.ToString().ToLowerInvariant());
        Add("ethernet0.connectionType", "nat");
        Add("ethernet0.addressType", "generated");
        Add("ethernet0.startConnected", "TRUE");
        Add("floppy0.present", "FALSE");
        Add("usb.present", "FALSE");
        Add("tools.syncTime", "TRUE");
        return entries;
    }

    internal static string Render(IEnumerable<KeyValuePair<string, string>> entries)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in entries)
        {
            // The vmx format escapes '"' and '|' as |22 and |7C (VMware's own encoding of special characters).
            var escaped = value.Replace("|", "|7C", StringComparison.Ordinal).Replace("\"", "|22", StringComparison.Ordinal);
            text.Append(key).Append(" = \"").Append(escaped).Append("\"\n");
        }

        return text.ToString();
    }
}
