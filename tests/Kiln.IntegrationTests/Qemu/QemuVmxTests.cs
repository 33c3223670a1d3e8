using System.Text.Json.Nodes;
using Kiln.Builders.Qemu;
using Kiln.IntegrationTests.Publishers;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// The vmx format end to end: a real build captures the VMware folder, the vmdk it names boots under QEMU on the
/// same emulated hardware the vmx declares (AHCI disk, e1000e card), and the real Vagrant adds the vmware_desktop box.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class QemuVmxTests
{
    [Fact]
    public async Task The_vmx_folder_boots_on_its_declared_hardware_and_becomes_a_vmware_box_vagrant_adds()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new MemoryLedger();
        var vmx = new QemuVmxConfig { DiskType = VmdkSubformat.StreamOptimized, DiskAdapter = VmxDiskAdapter.Sata, NetworkAdapter = VmxNetworkAdapter.E1000e };
        var context = TestBuild.Context(QemuTestEnvironment.Config(formats: [DiskFormat.Vmx], verify: false, vmx: vmx), type: "qemu", image: "vmw", ledger: ledger);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);

        await using var pipeline = QemuTestEnvironment.Builder().CreatePipeline(context);
        try
        {
            await pipeline.RunAsync(Stage.Publish, ct);
        }
        finally
        {
            await pipeline.CleanupAsync(CancellationToken.None);
        }

        var artifact = Assert.Single(pipeline.State.Artifacts);
        var folder = Path.Combine(context.OutputDirectory, "vmw.vmwarevm");
        Assert.Equal(Path.Combine(folder, "vmw.vmx"), artifact.Outputs["vmx"]);
        Assert.Equal(Path.Combine(folder, "vmw-disk1.vmdk"), artifact.Outputs["vmx_disk"]);
        Assert.Equal(["vmw-disk1.vmdk", "vmw.vmx"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(Directory.GetFiles(folder).Order(StringComparer.Ordinal), artifact.Files.Select(f => f.Path));
        Assert.Empty(Directory.EnumerateDirectories(context.OutputDirectory, ".kiln-staging-*"));

        var entries = VmxFile.Parse(await File.ReadAllTextAsync(artifact.Outputs["vmx"], ct));
        Assert.Equal(("vmw-disk1.vmdk", "e1000e", "bios"), (entries["sata0:0.fileName"], entries["ethernet0.virtualDev"], entries["firmware"]));
        var info = JsonNode.Parse((await HostProcess.RunAsync("qemu-img", ["info", "--output=json", artifact.Outputs["vmx_disk"]], cancellationToken: ct)).StandardOutput)!;
        Assert.Equal("streamOptimized", info["format-specific"]!["data"]!["create-type"]!.GetValue<string>());
        Assert.Equal(4L << 30, info["virtual-size"]!.GetValue<long>());

        // q35's ICH9 AHCI is the SATA controller the vmx names; QEMU's e1000e is the same 82574L card VMware emulates.
        var options = new QemuMachineOptions
        {
            Name = "kiln-vmw-boot-vmx",
            DiskPath = artifact.Outputs["vmx_disk"],
            DiskFormat = "vmdk",
            Cpus = 2,
            MemoryMiB = 1024,
            UseKvm = false,
            Snapshot = true,
            DiskDevices = ["-device", "ide-hd,drive=disk0,bus=ide.0"],
            NetworkDevice = "e1000e",
        };
        await using (var machine = await QemuMachine.StartAsync(context, options, Path.Combine(context.WorkDirectory, "boot-vmx-console.log"), ct))
        {
            await machine.WaitForSshAsync(TimeSpan.FromMinutes(10), ct);
        }

        IPublisher publisher = new VagrantPublisher();
        var box = Assert.Single(await publisher.PublishAsync(new VagrantConfig { CompressionLevel = 1 }, pipeline.State, [artifact], ct));
        Assert.Equal(("vagrant", "vmware_desktop"), (box.BuilderType, box.Id));
        var members = await HostProcess.RunAsync("tar", ["-tzf", box.Outputs["box"]], cancellationToken: ct);
        Assert.Equal(["Vagrantfile", "metadata.json", "vmw-disk1.vmdk", "vmw.vmx"], members.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

        var vagrantHome = Path.Combine(context.WorkDirectory, "vagrant-home");
        var environment = new Dictionary<string, string> { ["VAGRANT_HOME"] = vagrantHome, ["VAGRANT_CHECKPOINT_DISABLE"] = "1", ["VAGRANT_NO_COLOR"] = "1" };
        var add = await HostProcess.RunAsync("vagrant", ["box", "add", "--name", "kiln/vmw", box.Outputs["box"]], environment: environment, cancellationToken: ct);
        Assert.True(add.ExitCode == 0, add.ToString());
        var list = await HostProcess.RunAsync("vagrant", ["box", "list"], environment: environment, cancellationToken: ct);
        Assert.Contains("kiln/vmw (vmware_desktop, 0", list.StandardOutput, StringComparison.Ordinal);
        var unpacked = Directory.GetDirectories(Path.Combine(vagrantHome, "boxes", "kiln-VAGRANTSLASH-vmw", "0"), "vmware_desktop", SearchOption.AllDirectories).Single();
        Assert.Equal(entries, VmxFile.Parse(await File.ReadAllTextAsync(Path.Combine(unpacked, "vmw.vmx"), ct)));

        Assert.Empty(ledger.Open);
        Assert.False(QemuTestEnvironment.QemuRunning("kiln-vmw-"));
    }
}
