using Kiln.Builders.Qemu;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Plugins;

namespace Kiln.Tests.Qemu;

/// <summary>The QEMU source config as users write it, through the real definitions loader and binder.</summary>
public sealed class QemuDefinitionTests
{
    private static DefinitionSet Load(string yaml) =>
        DefinitionLoader.LoadText([("/defs/image.kiln.yaml", yaml)], new VariableInputs { Environment = new Dictionary<string, string>() }, PluginCatalog.Default);

    [Fact]
    public void The_embedded_default_definition_loads_validates_and_bootstraps_bookworm()
    {
        var set = Load(QemuDefaults.DefaultDefinitionYaml);
        Assert.Empty(set.Validate());
        var image = set.Resolve("debian", BuildScope.Symbolic);
        var config = Assert.IsType<QemuSourceConfig>(Assert.Single(image.Sources).Config);
        Assert.Equal("bookworm", config.Base.Bootstrap!.Suite);
        Assert.Equal(QemuAccelerator.Auto, config.Accelerator);
    }

    [Fact]
    public void Every_option_binds_from_its_snake_case_key()
    {
        var set = Load("""
            name: web
            sources:
              local:
                type: qemu
                base:
                  image: https://images.example/debian.qcow2
                  checksum: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
                disk_size: 20G
                cpus: 4
                memory: 4096
                accelerator: tcg
                formats: [qcow2, vmdk, vdi, vhdx, raw, ova]
                compress_qcow2: true
                ssh_username: builder
                ssh_timeout: 2m
                boot_timeout: 15m
                shutdown_command: systemctl poweroff
                shutdown_timeout: 90s
                output_name: web-server
                clean_apt_cache: true
                clean_host_keys: false
                verify: { enabled: true, cpus: 1, memory: 512 }
                qemu_args: [-device, virtio-rng-pci]
            """);
        Assert.Empty(set.Validate());
        var config = Assert.IsType<QemuSourceConfig>(Assert.Single(set.Resolve("web", BuildScope.Symbolic).Sources).Config);
        Assert.Equal("20G", config.DiskSize);
        Assert.Equal((4, 4096, QemuAccelerator.Tcg), (config.Cpus, config.Memory, config.Accelerator));
        Assert.Equal([DiskFormat.Qcow2, DiskFormat.Vmdk, DiskFormat.Vdi, DiskFormat.Vhdx, DiskFormat.Raw, DiskFormat.Ova], config.Formats);
        Assert.True(config.CompressQcow2);
        Assert.Equal(TimeSpan.FromMinutes(2), config.SshTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), config.ShutdownTimeout);
        Assert.Equal("web-server", config.OutputName);
        Assert.False(config.CleanHostKeys);
        Assert.Equal(512, config.Verify.Memory);
        Assert.Equal(["-device", "virtio-rng-pci"], config.QemuArgs);
    }

    [Fact]
    public void A_base_with_neither_image_nor_bootstrap_is_reported_with_a_hint()
    {
        IReadOnlyList<KilnDiagnostic> problems;
        try
        {
            problems = Load("""
                name: web
                sources:
                  local:
                    type: qemu
                    base: { checksum: "sha256:abc" }
                """).Validate();
        }
        catch (DefinitionException e)
        {
            problems = e.Diagnostics;
        }

        var problem = Assert.Single(problems, p => p.Message.Contains("exactly one of 'image' or 'bootstrap'", StringComparison.Ordinal));
        Assert.NotNull(problem.Location);
        Assert.NotNull(problem.Hint);
        Assert.Contains(problems, p => p.Message.Contains("not a checksum", StringComparison.Ordinal));
    }
}
