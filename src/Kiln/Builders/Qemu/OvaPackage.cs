using System.Formats.Tar;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Kiln.Builders.Qemu;

/// <summary>
/// An OVF 1.0 appliance as VirtualBox and VMware import it: a tar holding the descriptor first, then the manifest
/// (SHA256 of every other file), then the streamOptimized disk. The virtual hardware is a SATA (AHCI) disk and an
/// E1000 NIC on NAT, which both products support and the bootstrapped Debian kernel drives.
/// </summary>
internal static class OvaPackage
{
    public const string StreamOptimizedFormat = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized";

    private static readonly XNamespace Ovf = "http://schemas.dmtf.org/ovf/envelope/1";
    private static readonly XNamespace Rasd = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData";
    private static readonly XNamespace Vssd = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData";
    private static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";
    private static readonly XNamespace Vmw = "http://www.vmware.com/schema/ovf";

    /// <param name="Uefi">The disk boots with UEFI firmware only; the descriptor says so as VMware's firmware setting.</param>
    public sealed record Machine(string Name, int Cpus, int MemoryMiB, long DiskCapacityBytes, bool Uefi = false);

    /// <summary>Writes <paramref name="ovaPath"/> from a streamOptimized vmdk; the vmdk is left in place for the caller to delete.</summary>
    public static async Task WriteAsync(string ovaPath, Machine machine, string streamOptimizedVmdk, CancellationToken cancellationToken)
    {
        var diskName = machine.Name + "-disk1.vmdk";
        var diskSize = new FileInfo(streamOptimizedVmdk).Length;
        var descriptor = Encoding.UTF8.GetBytes(Descriptor(machine, diskName, diskSize).ToString());
        var ovfName = machine.Name + ".ovf";
        var diskHash = await HashAsync(streamOptimizedVmdk, cancellationToken);
        var manifest = Encoding.UTF8.GetBytes(
            $"SHA256({ovfName})= {Convert.ToHexStringLower(SHA256.HashData(descriptor))}\n" +
            $"SHA256({diskName})= {diskHash}\n");

        await using var output = new FileStream(ovaPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
        await using (var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true))
        {
            await WriteEntryAsync(tar, ovfName, new MemoryStream(descriptor), cancellationToken);
            await WriteEntryAsync(tar, machine.Name + ".mf", new MemoryStream(manifest), cancellationToken);
            await using var disk = new FileStream(streamOptimizedVmdk, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
            await WriteEntryAsync(tar, diskName, disk, cancellationToken, diskSize >= 8L << 30 ? TarEntryFormat.Pax : TarEntryFormat.Ustar);
        }

        await output.FlushAsync(cancellationToken);
    }

    internal static XDocument Descriptor(Machine machine, string diskFile, long diskFileSize)
    {
        static XAttribute O(string name, object value) => new(Ovf + name, Convert.ToString(value, CultureInfo.InvariantCulture)!);
        static XElement R(string name, object value) => new(Rasd + name, Convert.ToString(value, CultureInfo.InvariantCulture));

        var hardware = new XElement(Ovf + "VirtualHardwareSection",
            new XElement(Ovf + "Info", "Virtual hardware requirements"),
            new XElement(Ovf + "System",
                new XElement(Vssd + "ElementName", "Virtual Hardware Family"),
                new XElement(Vssd + "InstanceID", 0),
                new XElement(Vssd + "VirtualSystemIdentifier", machine.Name),
                new XElement(Vssd + "VirtualSystemType", "vmx-10 virtualbox-2.2")),
            new XElement(Ovf + "Item",
                R("AllocationUnits", "hertz * 10^6"),
                R("Caption", $"{machine.Cpus} virtual CPU"),
                R("Description", "Number of virtual CPUs"),
                R("ElementName", $"{machine.Cpus} virtual CPU"),
                R("InstanceID", 1),
                R("ResourceType", 3),
                R("VirtualQuantity", machine.Cpus)),
            new XElement(Ovf + "Item",
                R("AllocationUnits", "byte * 2^20"),
                R("Caption", $"{machine.MemoryMiB} MB of memory"),
                R("Description", "Memory Size"),
                R("ElementName", $"{machine.MemoryMiB} MB of memory"),
                R("InstanceID", 2),
                R("ResourceType", 4),
                R("VirtualQuantity", machine.MemoryMiB)),
            new XElement(Ovf + "Item",
                R("Address", 0),
                R("Caption", "sataController0"),
                R("Description", "SATA Controller"),
                R("ElementName", "sataController0"),
                R("InstanceID", 3),
                R("ResourceSubType", "AHCI"),
                R("ResourceType", 20)),
            new XElement(Ovf + "Item",
                R("AddressOnParent", 0),
                R("Caption", "disk1"),
                R("Description", "Disk Image"),
                R("ElementName", "disk1"),
                R("HostResource", "ovf:/disk/vmdisk1"),
                R("InstanceID", 4),
                R("Parent", 3),
                R("ResourceType", 17)),
            new XElement(Ovf + "Item",
                R("AutomaticAllocation", "true"),
                R("Caption", "Ethernet adapter on 'NAT'"),
                R("Connection", "NAT"),
                R("ElementName", "Ethernet adapter on 'NAT'"),
                R("InstanceID", 5),
                R("ResourceSubType", "E1000"),
                R("ResourceType", 10)));
        if (machine.Uefi)
        {
            hardware.Add(new XElement(Vmw + "Config", O("required", "false"), new XAttribute(Vmw + "key", "firmware"), new XAttribute(Vmw + "value", "efi")));
        }

        var envelope = new XElement(Ovf + "Envelope",
            new XAttribute("xmlns", Ovf.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "ovf", Ovf.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "rasd", Rasd.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "vssd", Vssd.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "xsi", Xsi.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "vmw", Vmw.NamespaceName),
            O("version", "1.0"),
            new XElement(Ovf + "References",
                new XElement(Ovf + "File", O("href", diskFile), O("id", "file1"), O("size", diskFileSize))),
            new XElement(Ovf + "DiskSection",
                new XElement(Ovf + "Info", "List of the virtual disks used in the package"),
                new XElement(Ovf + "Disk",
                    O("capacity", machine.DiskCapacityBytes),
                    O("capacityAllocationUnits", "byte"),
                    O("diskId", "vmdisk1"),
                    O("fileRef", "file1"),
                    O("format", StreamOptimizedFormat))),
            new XElement(Ovf + "NetworkSection",
                new XElement(Ovf + "Info", "Logical networks used in the package"),
                new XElement(Ovf + "Network", O("name", "NAT"),
                    new XElement(Ovf + "Description", "Logical network used by this appliance."))),
            new XElement(Ovf + "VirtualSystem", O("id", machine.Name),
                new XElement(Ovf + "Info", "A virtual machine"),
                new XElement(Ovf + "Name", machine.Name),
                new XElement(Ovf + "OperatingSystemSection", O("id", 96),
                    new XElement(Ovf + "Info", "The kind of installed guest operating system"),
                    new XElement(Ovf + "Description", "Debian_64")),
                hardware));
        return new XDocument(new XDeclaration("1.0", "UTF-8", null), envelope);
    }

    private static async Task WriteEntryAsync(TarWriter tar, string name, Stream content, CancellationToken cancellationToken, TarEntryFormat format = TarEntryFormat.Ustar)
    {
        TarEntry entry = format == TarEntryFormat.Pax ? new PaxTarEntry(TarEntryType.RegularFile, name) : new UstarTarEntry(TarEntryType.RegularFile, name);
        entry.Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        entry.ModificationTime = DateTimeOffset.UtcNow;
        entry.DataStream = content;
        await tar.WriteEntryAsync(entry, cancellationToken);
    }

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
