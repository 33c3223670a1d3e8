using System.Buffers.Binary;
using System.Xml.Linq;
using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Steps;
using Kiln.Definitions;
using Kiln.Model;

namespace Kiln.Tests.Qemu;

public sealed class DiskSizeTests
{
    [Theory]
    [InlineData("8G", 8L << 30)]
    [InlineData("20480M", 20480L << 20)]
    [InlineData("512", 512L << 20)]
    [InlineData("1T", 1L << 40)]
    [InlineData("10GiB", 10L << 30)]
    [InlineData(" 4g ", 4L << 30)]
    public void Parses_sizes_with_binary_units(string text, long expected)
    {
        Assert.True(DiskSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("-1G")]
    [InlineData("0")]
    [InlineData("8X")]
    [InlineData("99999999999999T")]
    public void Rejects_what_is_not_a_size(string text) => Assert.False(DiskSize.TryParse(text, out _));
}

public sealed class QemuConfigTests
{
    private static QemuSourceConfig Valid() => new() { Base = new QemuBaseConfig { Bootstrap = new DebianBootstrapConfig() } };

    [Fact]
    public void The_minimal_bootstrap_config_is_valid_and_has_sensible_defaults()
    {
        var config = Valid();
        Assert.Empty(config.Validate());
        Assert.Equal([DiskFormat.Qcow2], config.Formats);
        Assert.Equal(QemuAccelerator.Auto, config.Accelerator);
        Assert.True(config.CleanHostKeys);
        Assert.True(config.CleanMachineId);
        Assert.True(config.Verify.Enabled);
        Assert.Equal("bookworm", config.Base.Bootstrap!.Suite);
    }

    [Fact]
    public void Base_needs_exactly_one_of_image_or_bootstrap()
    {
        var problems = new QemuSourceConfig { Base = new QemuBaseConfig() }.Validate().ToList();
        Assert.Contains(problems, p => p.PropertyPath == "base." && p.Message.Contains("exactly one", StringComparison.Ordinal));
        var both = new QemuSourceConfig { Base = new QemuBaseConfig { Image = "a.qcow2", Bootstrap = new DebianBootstrapConfig() } };
        Assert.Contains(both.Validate(), p => p.Message.Contains("exactly one", StringComparison.Ordinal));
    }

    [Fact]
    public void A_url_image_needs_a_well_formed_sha256_checksum()
    {
        var missing = new QemuSourceConfig { Base = new QemuBaseConfig { Image = "https://example.org/debian.qcow2" } };
        var problem = Assert.Single(missing.Validate());
        Assert.Equal("base.checksum", problem.PropertyPath);
        Assert.NotNull(problem.Hint);

        var malformed = new QemuSourceConfig { Base = new QemuBaseConfig { Image = "https://example.org/debian.qcow2", Checksum = "md5:abc" } };
        Assert.Contains(malformed.Validate(), p => p.PropertyPath == "base.checksum" && p.Message.Contains("not a checksum", StringComparison.Ordinal));

        var local = new QemuSourceConfig { Base = new QemuBaseConfig { Image = "out/base.qcow2" } };
        Assert.Empty(local.Validate());
    }

    [Fact]
    public void Reports_each_bad_value_at_its_key()
    {
        var config = new QemuSourceConfig
        {
            Base = new QemuBaseConfig { Bootstrap = new DebianBootstrapConfig { Distribution = "fedora", Packages = ["ok-pkg", "Bad Name"], Mirror = "ftp://x" } },
            DiskSize = "big",
            Cpus = 0,
            Memory = 64,
            Formats = [],
            SshUsername = "a b",
            OutputName = "../escape",
            ShutdownTimeout = TimeSpan.Zero,
        };
        var paths = config.Validate().Select(p => p.PropertyPath).ToHashSet();
        Assert.Superset(
            new HashSet<string>
            {
                "base.bootstrap.distribution", "base.bootstrap.packages", "base.bootstrap.mirror", "disk_size", "cpus", "memory",
                "formats", "ssh_username", "output_name", "shutdown_timeout",
            },
            paths);
    }
}

public sealed class AptSourcesTests
{
    [Fact]
    public void Finds_the_debian_mirror_and_security_mirror_in_deb822_and_one_line_files()
    {
        var etc = Directory.CreateTempSubdirectory("kiln-apt-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(etc, "sources.list.d"));
            File.WriteAllText(Path.Combine(etc, "sources.list.d", "debian.sources"), """
                Types: deb
                URIs: http://mirror.example/debian/
                Suites: bookworm bookworm-updates
                Components: main
                Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

                Types: deb
                URIs: http://security.example/debian-security
                Suites: bookworm-security
                Components: main
                """);
            File.WriteAllText(Path.Combine(etc, "sources.list.d", "other.list"), "deb https://packages.example/apt cloud-sdk-bookworm main\n");

            var (mirror, security) = AptSources.FindMirrors("bookworm", etc);
            Assert.Equal("http://mirror.example/debian", mirror);
            Assert.Equal("http://security.example/debian-security", security);
            Assert.Equal((null, null), AptSources.FindMirrors("trixie", etc));
        }
        finally
        {
            Directory.Delete(etc, recursive: true);
        }
    }

    [Fact]
    public void Guest_sources_cover_the_suite_its_updates_and_security()
    {
        Assert.Equal(
            ["deb http://m/debian bookworm main", "deb http://m/debian bookworm-updates main", "deb http://s/ds bookworm-security main"],
            AptSources.GuestSources("bookworm", "http://m/debian", "http://s/ds"));
        Assert.Equal(2, AptSources.GuestSources("bookworm", "http://m/debian", null).Count);
    }
}

public sealed class BiosBootDiskTests
{
    [Fact]
    public void The_mbr_keeps_grubs_code_points_it_at_sector_one_and_has_one_bootable_partition_at_1_MiB()
    {
        var grub = new byte[512];
        Random.Shared.NextBytes(grub);
        var mbr = BiosBootDisk.MasterBootRecord(grub, 4L << 30, 0x1234);

        Assert.Equal(grub.AsSpan(0, 0x5c).ToArray(), mbr.AsSpan(0, 0x5c).ToArray());
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(mbr.AsSpan(0x5c)));
        Assert.Equal([0x90, 0x90], mbr.AsSpan(0x66, 2).ToArray());
        Assert.Equal(0x80, mbr[0x1be]);
        Assert.Equal(0x83, mbr[0x1be + 4]);
        Assert.Equal(2048u, BinaryPrimitives.ReadUInt32LittleEndian(mbr.AsSpan(0x1be + 8)));
        Assert.Equal((uint)((4L << 30) / 512 - 2048), BinaryPrimitives.ReadUInt32LittleEndian(mbr.AsSpan(0x1be + 12)));
        Assert.All(mbr.AsSpan(0x1ce, 48).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal([0x55, 0xaa], mbr.AsSpan(510, 2).ToArray());
    }
}

public sealed class OvaDescriptorTests
{
    private static readonly XNamespace Ovf = "http://schemas.dmtf.org/ovf/envelope/1";
    private static readonly XNamespace Rasd = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData";

    [Fact]
    public void Describes_cpu_memory_a_sata_disk_and_a_nat_nic()
    {
        var doc = OvaPackage.Descriptor(new OvaPackage.Machine("web", 4, 2048, 8L << 30), "web-disk1.vmdk", 12345);
        var root = doc.Root!;
        Assert.Equal("1.0", root.Attribute(Ovf + "version")!.Value);
        var file = root.Element(Ovf + "References")!.Element(Ovf + "File")!;
        Assert.Equal("web-disk1.vmdk", file.Attribute(Ovf + "href")!.Value);
        Assert.Equal("12345", file.Attribute(Ovf + "size")!.Value);
        var disk = root.Element(Ovf + "DiskSection")!.Element(Ovf + "Disk")!;
        Assert.Equal((8L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture), disk.Attribute(Ovf + "capacity")!.Value);
        Assert.Equal(OvaPackage.StreamOptimizedFormat, disk.Attribute(Ovf + "format")!.Value);
        Assert.Equal("NAT", root.Element(Ovf + "NetworkSection")!.Element(Ovf + "Network")!.Attribute(Ovf + "name")!.Value);

        var items = root.Descendants(Ovf + "Item").ToDictionary(i => i.Element(Rasd + "ResourceType")!.Value);
        Assert.Equal("4", items["3"].Element(Rasd + "VirtualQuantity")!.Value);
        Assert.Equal("2048", items["4"].Element(Rasd + "VirtualQuantity")!.Value);
        Assert.Equal("AHCI", items["20"].Element(Rasd + "ResourceSubType")!.Value);
        Assert.Equal(items["20"].Element(Rasd + "InstanceID")!.Value, items["17"].Element(Rasd + "Parent")!.Value);
        Assert.Equal("ovf:/disk/vmdisk1", items["17"].Element(Rasd + "HostResource")!.Value);
        Assert.Equal("NAT", items["10"].Element(Rasd + "Connection")!.Value);
        Assert.NotNull(root.Descendants(Ovf + "OperatingSystemSection").SingleOrDefault());
    }
}

public sealed class QemuCommandLineTests
{
    [Fact]
    public void Forwards_ssh_on_loopback_only_and_passes_the_key_through_fw_cfg()
    {
        var options = new QemuMachineOptions
        {
            Name = "kiln-x",
            DiskPath = "/w/disk,1.qcow2",
            DiskFormat = "qcow2",
            Cpus = 2,
            MemoryMiB = 1024,
            UseKvm = false,
            Snapshot = true,
            FirmwareFiles = new Dictionary<string, string> { [GuestFiles.AuthorizedKeysItem] = "/w/keys" },
            ExtraArguments = ["-device", "virtio-rng-pci"],
        };
        var args = options.Arguments(40022, "/tmp/q.sock", "/w/serial.log");
        var joined = string.Join(' ', args);
        Assert.Contains("hostfwd=tcp:127.0.0.1:40022-:22", joined, StringComparison.Ordinal);
        Assert.Contains("accel=tcg", joined, StringComparison.Ordinal);
        Assert.Contains("file=/w/disk,,1.qcow2", joined, StringComparison.Ordinal);
        Assert.Contains("-snapshot", args);
        Assert.Contains($"name={GuestFiles.AuthorizedKeysItem},file=/w/keys", args);
        Assert.Contains("unix:/tmp/q.sock,server=on,wait=off", args);
        Assert.DoesNotContain("-cpu", args);
        Assert.Equal(["-device", "virtio-rng-pci"], args.TakeLast(2));
    }
}

public sealed class CleanGuestScriptTests
{
    [Fact]
    public void Removes_what_is_configured()
    {
        var config = new QemuSourceConfig { Base = new QemuBaseConfig { Bootstrap = new() }, CleanAptCache = true, CleanHostKeys = false };
        var script = CleanGuestStep.Script(config);
        Assert.Contains(": > /etc/machine-id", script, StringComparison.Ordinal);
        Assert.Contains("apt-get clean", script, StringComparison.Ordinal);
        Assert.DoesNotContain("ssh_host_", script, StringComparison.Ordinal);
    }
}

public sealed class QemuBuilderPlanTests
{
    [Fact]
    public void The_plan_boots_provisions_captures_then_verifies_the_captured_image()
    {
        var config = new QemuSourceConfig { Base = new QemuBaseConfig { Bootstrap = new() }, Formats = [DiskFormat.Qcow2, DiskFormat.Ova] };
        var source = new ResolvedSource { Name = "local", Type = "qemu", Config = config };
        var steps = new QemuBuilder("/nonexistent-cache").DescribeSteps(source);
        var names = steps.Select(s => s.Name).ToList();
        Assert.True(names.IndexOf("boot") < names.IndexOf("shut down"));
        Assert.True(names.IndexOf("convert disks") < names.IndexOf("boot captured image"));
        Assert.Equal(Stage.Verify, steps.Single(s => s.Name == "boot captured image").Stage);
        Assert.Equal(steps.Select(s => s.Stage).Order(), steps.Select(s => s.Stage));

        var noVerify = new QemuSourceConfig { Base = config.Base, Verify = new QemuVerifyConfig { Enabled = false } };
        Assert.DoesNotContain(new QemuBuilder("/nonexistent-cache").DescribeSteps(source with { Config = noVerify }), s => s.Stage == Stage.Verify);
    }

    [Fact]
    public void The_default_definition_is_tiny_and_uses_the_bootstrap() =>
        Assert.Contains("base: { bootstrap: { suite: bookworm } }", QemuDefaults.DefaultDefinitionYaml, StringComparison.Ordinal);
}
