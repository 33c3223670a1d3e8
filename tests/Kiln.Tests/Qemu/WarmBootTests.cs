using System.Text.Json;
using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Layers;

namespace Kiln.Tests.Qemu;

/// <summary>Which builds may share a saved, booted machine, and when a saved one must not be resumed.</summary>
public sealed class WarmBootTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-warm-unit-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static QemuSourceConfig Config(Func<QemuSourceConfig, QemuSourceConfig>? change = null)
    {
        var config = new QemuSourceConfig { Base = new QemuBaseConfig { Image = "base.qcow2" } };
        return change is null ? config : change(config);
    }

    [Fact]
    public void The_key_changes_with_every_setting_the_machine_state_depends_on()
    {
        var image = Path.Combine(_root, "base.qcow2");
        File.WriteAllText(image, "base");
        var key = WarmKey.Compute(Config(), image, kvm: false);
        Assert.Equal(key, WarmKey.Compute(Config(), image, kvm: false));
        Assert.Equal(key, WarmKey.Compute(Config(c => new QemuSourceConfig { Base = c.Base, Verify = new QemuVerifyConfig { Memory = 4096 }, ShutdownTimeout = TimeSpan.FromMinutes(1) }), image, kvm: false));
        string[] others =
        [
            WarmKey.Compute(Config(c => new QemuSourceConfig { Base = c.Base, Memory = 2048 }), image, kvm: false),
            WarmKey.Compute(Config(c => new QemuSourceConfig { Base = c.Base, Cpus = 1 }), image, kvm: false),
            WarmKey.Compute(Config(c => new QemuSourceConfig { Base = c.Base, Machine = "pc" }), image, kvm: false),
            WarmKey.Compute(Config(c => new QemuSourceConfig { Base = c.Base, DiskSize = "9G" }), image, kvm: false),
            WarmKey.Compute(Config(c => new QemuSourceConfig { Base = c.Base, QemuArgs = ["-device", "virtio-balloon"] }), image, kvm: false),
            WarmKey.Compute(Config(c => new QemuSourceConfig { Base = c.Base, SshUsername = "kiln" }), image, kvm: false),
            WarmKey.Compute(Config(), image, kvm: true),
        ];
        Assert.Equal(others.Length, others.Distinct().Count());
        Assert.DoesNotContain(key, others);

        File.WriteAllText(image, "a rebuilt base");
        Assert.NotEqual(key, WarmKey.Compute(Config(), image, kvm: false));
    }

    [Fact]
    public void Builds_that_cannot_resume_a_saved_machine_say_why()
    {
        Assert.Null(WarmKey.Unsupported(Config()));
        Assert.Equal("warm_boot is false", WarmKey.Unsupported(new QemuSourceConfig { Base = Config().Base, WarmBoot = false }));
        Assert.Contains("UEFI", WarmKey.Unsupported(new QemuSourceConfig { Base = Config().Base, Firmware = QemuFirmware.Uefi }), StringComparison.Ordinal);
        Assert.Contains("cd_files", WarmKey.Unsupported(new QemuSourceConfig { Base = Config().Base, CdFiles = ["a.txt"] }), StringComparison.Ordinal);
        Assert.Contains("guest_init none", WarmKey.Unsupported(new QemuSourceConfig { Base = Config().Base, GuestInit = GuestInit.None }), StringComparison.Ordinal);
        Assert.Contains("installer", WarmKey.Unsupported(new QemuSourceConfig { Base = new QemuBaseConfig { Iso = new() { Url = "installer.iso" } } }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_saved_machine_from_another_qemu_or_with_a_changed_or_truncated_file_is_not_resumed()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new WarmStore(Path.Combine(_root, "warm"));
        var partial = Directory.CreateDirectory(Path.Combine(store.Root, ".partial-test")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(partial, LayerStore.DiskFile), new byte[4096], ct);
        await File.WriteAllBytesAsync(Path.Combine(partial, WarmStore.StateFile), new byte[8192], ct);
        Assert.True(await store.CommitAsync(partial, "sha256:abc123", "/cache/base.qcow2", "QEMU emulator version 7.2.19", ct));
        var saved = store.Find("sha256:abc123")!;
        Assert.Null(await store.ProblemAsync(saved, "QEMU emulator version 7.2.19", ct));

        Assert.Equal("it was saved by QEMU emulator version 7.2.19, and this is QEMU emulator version 8.2.0", await store.ProblemAsync(saved, "QEMU emulator version 8.2.0", ct));

        await using (var state = new FileStream(store.StateOf(saved.Key), FileMode.Open, FileAccess.Write))
        {
            state.Position = 100;
            state.WriteByte(1);
        }

        Assert.StartsWith("its state.bin's sha256 is ", await store.ProblemAsync(saved, saved.Qemu, ct), StringComparison.Ordinal);
        File.WriteAllBytes(store.StateOf(saved.Key), new byte[10]);
        Assert.Equal("its state.bin is 10 bytes, not the 8192 recorded (truncated?)", await store.ProblemAsync(saved, saved.Qemu, ct));
        File.Delete(store.DiskOf(saved.Key));
        Assert.Equal("its disk.qcow2 is missing", await store.ProblemAsync(saved, saved.Qemu, ct));
    }

    [Fact]
    public async Task Saved_machines_count_towards_the_cache_size_and_are_evicted_and_cleared_with_the_layers()
    {
        var ct = TestContext.Current.CancellationToken;
        var layers = new LayerStore(Path.Combine(_root, "layers"));
        var partial = Directory.CreateDirectory(Path.Combine(layers.Warm.Root, ".partial-test")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(partial, LayerStore.DiskFile), new byte[4096], ct);
        await File.WriteAllBytesAsync(Path.Combine(partial, WarmStore.StateFile), new byte[8192], ct);
        Assert.True(await layers.Warm.CommitAsync(partial, "sha256:abc123", "/cache/base.qcow2", "QEMU 7.2", ct));
        Assert.Empty(layers.All());
        Assert.True(layers.Warm.Size() >= 12288);

        using (layers.Warm.TryLockShared("sha256:abc123"))
        {
            Assert.Empty(layers.Evict(0));
        }

        Assert.Equal(["warm:abc123"], layers.Evict(0));
        Assert.Equal("warm state abc123", LayerStore.Describe("warm:abc123"));
        Assert.Empty(layers.Warm.All());

        layers.Warm.MarkUnsupported("sha256:def456", "its guest agent did not answer");
        Assert.Equal("its guest agent did not answer", layers.Warm.Unsupported("sha256:def456"));
        layers.Warm.Clear();
        Assert.Null(layers.Warm.Unsupported("sha256:def456"));
    }

    [Fact]
    public async Task A_machine_saved_on_a_layer_goes_when_the_layer_or_one_under_it_goes()
    {
        var ct = TestContext.Current.CancellationToken;
        var layers = new LayerStore(Path.Combine(_root, "layers"));
        await AddLayerAsync(layers, "sha256:aaa111", parent: null, ct);
        await AddLayerAsync(layers, "sha256:bbb222", parent: "sha256:aaa111", ct);
        await SaveAsync(layers, "sha256:0ba5e0", layer: null, ct);
        await SaveAsync(layers, "sha256:0bbb22", layer: "sha256:bbb222", ct);
        Assert.Equal("sha256:bbb222", layers.Warm.Find("sha256:0bbb22")!.Layer);

        Assert.True(layers.Remove("sha256:aaa111") > 0);

        Assert.Empty(layers.All());
        Assert.Equal(["sha256:0ba5e0"], layers.Warm.All().Select(w => w.Key));
    }

    private static async Task AddLayerAsync(LayerStore layers, string key, string? parent, CancellationToken ct)
    {
        var partial = Directory.CreateDirectory(Path.Combine(layers.Root, ".partial-" + LayerStore.Name(key))).FullName;
        await File.WriteAllBytesAsync(Path.Combine(partial, LayerStore.DiskFile), new byte[4096], ct);
        var info = new LayerInfo { Key = key, Parent = parent, Backing = "/cache/base.qcow2", Step = 1, Steps = 2, Created = DateTimeOffset.UtcNow, Sha256 = "x", Size = 4096 };
        await File.WriteAllTextAsync(Path.Combine(partial, "layer.json"), JsonSerializer.Serialize(info, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }), ct);
        Directory.Move(partial, layers.DirectoryOf(key));
    }

    private static async Task SaveAsync(LayerStore layers, string key, string? layer, CancellationToken ct)
    {
        var partial = Directory.CreateDirectory(Path.Combine(layers.Warm.Root, ".partial-" + LayerStore.Name(key))).FullName;
        await File.WriteAllBytesAsync(Path.Combine(partial, LayerStore.DiskFile), new byte[4096], ct);
        await File.WriteAllBytesAsync(Path.Combine(partial, WarmStore.StateFile), new byte[8192], ct);
        Assert.True(await layers.Warm.CommitAsync(partial, key, layer is null ? "/cache/base.qcow2" : layers.DiskOf(layer), "QEMU 7.2", ct, layer));
    }

    [Fact]
    public void A_warm_capable_machine_has_the_agent_port_and_a_generation_id_and_a_resumed_one_waits_for_its_state()
    {
        var options = new QemuMachineOptions { Name = "m", DiskPath = "d.qcow2", DiskFormat = "qcow2", Cpus = 2, MemoryMiB = 1024, UseKvm = false, GuestAgent = true };
        var cold = options.Arguments(2222, "/tmp/qmp.sock", "/tmp/serial.log", "/tmp/qga.sock");
        Assert.Contains("socket,id=kiln-agent,path=/tmp/qga.sock,server=on,wait=off", cold);
        Assert.Contains("virtserialport,bus=kiln-serial.0,chardev=kiln-agent,name=org.qemu.guest_agent.0", cold);
        Assert.Contains("vmgenid,guid=auto", cold);
        Assert.DoesNotContain("-incoming", cold);

        var resumed = (options with { Incoming = true }).Arguments(2223, "/tmp/qmp.sock", "/tmp/serial.log", "/tmp/qga.sock");
        Assert.Equal(["-incoming", "defer"], resumed.SkipWhile(a => a != "-incoming").Take(2));
        Assert.Equal(cold.Count + 2, resumed.Count);

        Assert.DoesNotContain("vmgenid,guid=auto", (options with { GuestAgent = false }).Arguments(2222, "/tmp/qmp.sock", "/tmp/serial.log"));
    }
}
