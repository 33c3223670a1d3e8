using System.Text.Json.Nodes;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Publishers;

/// <summary>Boxes are judged by the real Vagrant: `vagrant box add` must take them and `vagrant box list` show them.</summary>
public sealed class VagrantBoxTests
{
    private readonly IPublisher _publisher = new VagrantPublisher();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_qcow2_disk_becomes_a_libvirt_box_that_vagrant_adds()
    {
        using var build = new PublishTestBuild(image: "web", source: "qemu");
        var disk = Path.Combine(build.Context.OutputDirectory, "web.qcow2");
        await RunAsync("qemu-img", "create", "-q", "-f", "qcow2", disk, "2500M");
        await RunAsync("qemu-io", "-c", "write -P 0x5a 1M 3M", disk);

        var definitionDirectory = Path.GetDirectoryName(build.Context.Image.FilePath)!;
        File.WriteAllText(Path.Combine(definitionDirectory, "Vagrantfile.tpl"), "Vagrant.configure(\"2\") do |config|\n  config.vm.hostname = \"web\"\nend\n");
        File.WriteAllText(Path.Combine(definitionDirectory, "README.md"), "# web box\n");
        var config = new VagrantConfig { VagrantfileTemplate = "Vagrantfile.tpl", Include = ["README.md"] };

        var artifact = Assert.Single(await _publisher.PublishAsync(
            config, build.State, [PublishTestBuild.ArtifactOf("qemu", "web", disk)], Token));

        var box = Path.Combine(build.Context.OutputDirectory, "web.qemu.libvirt.box");
        Assert.Equal(("vagrant", "libvirt"), (artifact.BuilderType, artifact.Id));
        Assert.Equal(box, artifact.Outputs["box"]);
        Assert.Equal(new FileInfo(box).Length, Assert.Single(artifact.Files).Size);

        var vagrantHome = await AddBoxAsync(build, box, "kiln/web");
        var list = await RunAsync("vagrant", ["box", "list"], vagrantHome);
        Assert.Contains("kiln/web (libvirt, 0", list, StringComparison.Ordinal);

        var unpacked = Directory.GetDirectories(Path.Combine(vagrantHome, "boxes", "kiln-VAGRANTSLASH-web", "0"), "libvirt", SearchOption.AllDirectories).Single();
        var metadata = JsonNode.Parse(File.ReadAllText(Path.Combine(unpacked, "metadata.json")))!;
        Assert.Equal("libvirt", (string?)metadata["provider"]);
        Assert.Equal("qcow2", (string?)metadata["format"]);
        Assert.Equal(3, (int)metadata["virtual_size"]!);
        Assert.Contains("config.vm.hostname = \"web\"", File.ReadAllText(Path.Combine(unpacked, "Vagrantfile")), StringComparison.Ordinal);
        Assert.Equal("# web box\n", File.ReadAllText(Path.Combine(unpacked, "README.md")));
        await RunAsync("qemu-img", "check", Path.Combine(unpacked, "box.img"));
        await RunAsync("qemu-img", "compare", "-q", disk, Path.Combine(unpacked, "box.img"));
    }

    [Fact]
    public async Task An_ova_becomes_a_virtualbox_box_that_vagrant_adds()
    {
        using var build = new PublishTestBuild(image: "web", source: "ova");
        var ova = await MakeOvaAsync(build);

        var artifact = Assert.Single(await _publisher.PublishAsync(
            new VagrantConfig { Output = Path.Combine(build.Root, "boxes", "web.box") }, build.State, [PublishTestBuild.ArtifactOf("virtualbox-ovf", "web", ova)], Token));

        Assert.Equal("virtualbox", artifact.Id);
        var box = artifact.Outputs["box"];
        var members = await RunAsync("tar", "-tzf", box);
        Assert.Equal(["Vagrantfile", "box.ovf", "metadata.json", "web-disk1.vmdk"], members.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

        var vagrantHome = await AddBoxAsync(build, box, "kiln-web-vbox");
        Assert.Contains("kiln-web-vbox (virtualbox, 0", await RunAsync("vagrant", ["box", "list"], vagrantHome), StringComparison.Ordinal);
        var unpacked = Directory.GetDirectories(Path.Combine(vagrantHome, "boxes", "kiln-web-vbox", "0"), "virtualbox", SearchOption.AllDirectories).Single();
        Assert.Contains("config.vm.base_mac = \"080027A1B2C3\"", File.ReadAllText(Path.Combine(unpacked, "Vagrantfile")), StringComparison.Ordinal);
        Assert.Contains("ovf:href=\"web-disk1.vmdk\"", File.ReadAllText(Path.Combine(unpacked, "box.ovf")), StringComparison.Ordinal);
        Assert.Contains("VMDK", await RunAsync("qemu-img", "info", Path.Combine(unpacked, "web-disk1.vmdk")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Without_a_disk_it_can_use_the_error_says_what_it_needs()
    {
        using var build = new PublishTestBuild();
        var raw = build.WriteFile("disk.raw", 4096);

        var error = await Assert.ThrowsAsync<KilnException>(() =>
            _publisher.PublishAsync(new VagrantConfig(), build.State, [PublishTestBuild.ArtifactOf("qemu", "x", raw)], Token));

        Assert.Contains("qcow2", error.Message, StringComparison.Ordinal);
        Assert.Contains(raw, error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);
        Assert.Empty(Directory.GetFiles(build.Context.OutputDirectory, "*.box"));
    }

    private static async Task<string> AddBoxAsync(PublishTestBuild build, string box, string name)
    {
        var vagrantHome = Path.Combine(build.Root, "vagrant-home");
        await RunAsync("vagrant", ["box", "add", "--name", name, box], vagrantHome);
        return vagrantHome;
    }

    /// <summary>A real OVA: the .ovf first, then a streamOptimized VMDK, then a manifest, as VirtualBox exports it.</summary>
    private static async Task<string> MakeOvaAsync(PublishTestBuild build)
    {
        var staging = Path.Combine(build.Root, "ova");
        Directory.CreateDirectory(staging);
        var qcow2 = Path.Combine(staging, "source.qcow2");
        await RunAsync("qemu-img", "create", "-q", "-f", "qcow2", qcow2, "1G");
        await RunAsync("qemu-io", "-c", "write -P 0x33 0 2M", qcow2);
        await RunAsync("qemu-img", "convert", "-O", "vmdk", "-o", "subformat=streamOptimized", qcow2, Path.Combine(staging, "web-disk1.vmdk"));
        var vmdkSize = new FileInfo(Path.Combine(staging, "web-disk1.vmdk")).Length;
        File.WriteAllText(Path.Combine(staging, "web.ovf"), $"""
            <?xml version="1.0"?>
            <Envelope ovf:version="1.0" xml:lang="en-US" xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:vbox="http://www.virtualbox.org/ovf/machine">
              <References><File ovf:id="file1" ovf:href="web-disk1.vmdk" ovf:size="{vmdkSize}"/></References>
              <DiskSection><Info>Virtual disks</Info><Disk ovf:capacity="1073741824" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/></DiskSection>
              <VirtualSystem ovf:id="web">
                <Info>A virtual machine</Info>
                <vbox:Machine ovf:required="false" version="1.16-linux" uuid="{'{'}00000000-0000-0000-0000-000000000001{'}'}" name="web">
                  <Hardware><Network><Adapter slot="0" enabled="true" MACAddress="080027A1B2C3" type="82540EM"><NAT/></Adapter></Network></Hardware>
                </vbox:Machine>
              </VirtualSystem>
            </Envelope>
            """);
        await RunAsync("sh", "-c", $"cd '{staging}' && sha256sum web.ovf web-disk1.vmdk | sed 's/^\\([0-9a-f]*\\)  \\(.*\\)$/SHA256(\\2)= \\1/' > web.mf");
        var ova = Path.Combine(build.Context.OutputDirectory, "web.ova");
        await RunAsync("tar", "-C", staging, "--format=ustar", "-cf", ova, "web.ovf", "web-disk1.vmdk", "web.mf");
        return ova;
    }

    private static Task<string> RunAsync(string tool, params string[] arguments) => RunAsync(tool, arguments, null);

    private static async Task<string> RunAsync(string tool, string[] arguments, string? vagrantHome)
    {
        var environment = vagrantHome is null
            ? null
            : new Dictionary<string, string> { ["VAGRANT_HOME"] = vagrantHome, ["VAGRANT_CHECKPOINT_DISABLE"] = "1", ["VAGRANT_NO_COLOR"] = "1" };
        var result = await HostProcess.RunAsync(tool, arguments, environment: environment, cancellationToken: Token);
        Assert.True(result.ExitCode == 0, $"{tool} {string.Join(' ', arguments)}: {result}");
        return result.StandardOutput;
    }
}
