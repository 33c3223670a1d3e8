using System.Text.RegularExpressions;
using Kiln.Builders.Qemu;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Plugins;
using Kiln.Publishers;

namespace Kiln.Tests.Qemu;

/// <summary>The .vmx the vmx format writes, read back with the vmx reader and held against the values VMware documents.</summary>
public sealed class VmxBundleTests
{
    /// <summary>
    /// Every key Kiln may write, with the values VMware documents for it: VMware's "Configuration file (.vmx) parameters"
    /// knowledge-base articles, the guest OS identifiers of VMware's Guest OS Compatibility Guide, and the device
    /// names (sata, scsi with pvscsi, nvme, ethernet with e1000/e1000e/vmxnet3, pciBridge with pcieRootPort) of the
    /// vSphere and Workstation documentation. A key missing here fails the test: add it only with its documented values.
    /// </summary>
    private static readonly (Regex Key, Regex Value)[] Documented =
    [
        (Exact(".encoding"), Exact("UTF-8")),
        (Exact("config.version"), Exact("8")),
        (Exact("virtualHW.version"), new Regex("^(1[0-9]|2[01])$")),
        (Exact("displayName"), new Regex("^.+$")),
        (Exact("guestOS"), new Regex("^(debian(1[0-2])-64|debian(1[0-2])|other[3-6]xlinux-64|otherlinux-64)$")),
        (Exact("firmware"), new Regex("^(bios|efi)$")),
        (Exact("numvcpus"), new Regex("^[1-9][0-9]*$")),
        (Exact("memsize"), new Regex("^[1-9][0-9]*$")),
        (new Regex(@"^pciBridge[0-7]\.present$"), Exact("TRUE")),
        (new Regex(@"^pciBridge[4-7]\.virtualDev$"), Exact("pcieRootPort")),
        (new Regex(@"^pciBridge[4-7]\.functions$"), Exact("8")),
        (new Regex(@"^(sata|scsi|nvme)[0-3]\.present$"), Exact("TRUE")),
        (Exact("scsi0.virtualDev"), new Regex("^(pvscsi|lsilogic|lsisas1068|buslogic)$")),
        (new Regex(@"^(sata[0-3]:[0-9]+|scsi[0-3]:[0-9]+|nvme[0-3]:[0-9]+)\.present$"), Exact("TRUE")),
        (new Regex(@"^(sata[0-3]:[0-9]+|scsi[0-3]:[0-9]+|nvme[0-3]:[0-9]+)\.fileName$"), new Regex(@"^[^/]+\.vmdk$")),
        (Exact("ethernet0.present"), Exact("TRUE")),
        (Exact("ethernet0.virtualDev"), new Regex("^(e1000|e1000e|vmxnet3|vlance)$")),
        (Exact("ethernet0.connectionType"), new Regex("^(nat|bridged|hostonly|custom)$")),
        (Exact("ethernet0.addressType"), new Regex("^(generated|static|vpx)$")),
        (Exact("ethernet0.startConnected"), new Regex("^(TRUE|FALSE)$")),
        (Exact("floppy0.present"), new Regex("^(TRUE|FALSE)$")),
        (Exact("usb.present"), new Regex("^(TRUE|FALSE)$")),
        (Exact("tools.syncTime"), new Regex("^(TRUE|FALSE)$")),
    ];

    // by name: the adapter enums are internal, and a theory's parameters must be public types
    public static TheoryData<string, string> Hardware()
    {
        var data = new TheoryData<string, string>();
        foreach (var disk in Enum.GetValues<VmxDiskAdapter>())
        {
            foreach (var nic in Enum.GetValues<VmxNetworkAdapter>())
            {
                data.Add(disk.ToString(), nic.ToString());
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Hardware))]
    public void Every_key_of_the_vmx_has_a_value_vmware_documents(string diskName, string nicName)
    {
        var (disk, nic) = (Enum.Parse<VmxDiskAdapter>(diskName), Enum.Parse<VmxNetworkAdapter>(nicName));
        var machine = new VmxBundle.Machine("web \"edge\"", 2, 2048, new QemuVmxConfig { DiskAdapter = disk, NetworkAdapter = nic });
        var entries = VmxFile.Parse(VmxBundle.Render(VmxBundle.Entries(machine)));

        foreach (var (key, value) in entries)
        {
            var rule = Documented.FirstOrDefault(r => r.Key.IsMatch(key));
            Assert.True(rule.Key is not null, $"{key} is not a documented vmx key");
            Assert.True(rule.Value.IsMatch(value), $"{key} = \"{value}\" is not a documented value");
        }

        Assert.Equal("web \"edge\"", entries["displayName"]);
        Assert.Equal(("2", "2048", "bios", "debian12-64", "20"), (entries["numvcpus"], entries["memsize"], entries["firmware"], entries["guestOS"], entries["virtualHW.version"]));
        var controller = disk switch { VmxDiskAdapter.Sata => "sata0", VmxDiskAdapter.Scsi => "scsi0", _ => "nvme0" };
        Assert.Equal("web \"edge\"-disk1.vmdk", entries[controller + ":0.fileName"]);
        Assert.Single(entries, e => e.Key.EndsWith(".fileName", StringComparison.Ordinal));
        Assert.Equal(nic.ToString().ToLowerInvariant(), entries["ethernet0.virtualDev"]);
        Assert.Equal(disk == VmxDiskAdapter.Scsi ? "pvscsi" : null, entries.GetValueOrDefault("scsi0.virtualDev"));
    }

    [Fact]
    public void The_vmdk_options_name_the_configured_subformat()
    {
        Assert.Equal(["-o", "subformat=monolithicSparse,adapter_type=lsilogic"], VmxBundle.VmdkOptions(VmdkSubformat.MonolithicSparse));
        Assert.Equal(["-o", "subformat=streamOptimized,adapter_type=lsilogic"], VmxBundle.VmdkOptions(VmdkSubformat.StreamOptimized));
    }

    [Fact]
    public void The_vmx_options_bind_from_the_definition()
    {
        var config = Sources(Load("""
            name: web
            sources:
              local:
                type: qemu
                base: { bootstrap: { suite: bookworm } }
                formats: [qcow2, vmx]
                vmx: { disk_type: stream_optimized, disk_adapter: scsi, network_adapter: vmxnet3, guest_os: debian11-64, hardware_version: 19 }
            """));
        Assert.Equal([DiskFormat.Qcow2, DiskFormat.Vmx], config.Formats);
        Assert.Equal(
            (VmxFirmware.Bios, VmdkSubformat.StreamOptimized, VmxDiskAdapter.Scsi, VmxNetworkAdapter.Vmxnet3, "debian11-64", 19),
            (config.Vmx.Firmware, config.Vmx.DiskType, config.Vmx.DiskAdapter, config.Vmx.NetworkAdapter, config.Vmx.GuestOs, config.Vmx.HardwareVersion));
    }

    [Fact]
    public void Efi_firmware_does_not_match_the_bios_disk_and_is_refused_at_its_line()
    {
        var problems = Problems("""
            name: web
            sources:
              local:
                type: qemu
                base: { bootstrap: { suite: bookworm } }
                formats: [vmx]
                vmx:
                  firmware: efi
            """);

        var problem = Assert.Single(problems);
        Assert.Contains("firmware efi does not match the disk", problem.Message, StringComparison.Ordinal);
        Assert.Equal("firmware: bios", problem.Hint?.Split("use ")[^1]);
        Assert.Equal(("/defs/image.kiln.yaml", 8), (problem.Location?.File, problem.Location?.Line));
    }

    [Fact]
    public void A_cloud_kernel_without_vmware_drivers_is_refused()
    {
        var problem = Assert.Single(Problems("""
            name: web
            sources:
              local:
                type: qemu
                base: { bootstrap: { suite: bookworm, kernel: linux-image-cloud-amd64 } }
                formats: [vmx]
            """));
        Assert.Contains("has no driver for VMware's sata disk and e1000 network card", problem.Message, StringComparison.Ordinal);
        Assert.Contains("linux-image-amd64", problem.Hint, StringComparison.Ordinal);
    }

    private static Regex Exact(string text) => new("^" + Regex.Escape(text) + "$");

    private static DefinitionSet Load(string yaml) =>
        DefinitionLoader.LoadText([("/defs/image.kiln.yaml", yaml)], new VariableInputs { Environment = new Dictionary<string, string>() }, PluginCatalog.Default);

    private static QemuSourceConfig Sources(DefinitionSet set)
    {
        Assert.Empty(set.Validate());
        return Assert.IsType<QemuSourceConfig>(Assert.Single(set.Resolve("web", BuildScope.Symbolic).Sources).Config);
    }

    private static IReadOnlyList<KilnDiagnostic> Problems(string yaml)
    {
        try
        {
            return Load(yaml).Validate();
        }
        catch (DefinitionException e)
        {
            return e.Diagnostics;
        }
    }
}
