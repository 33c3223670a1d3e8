using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Images;
using Kiln.Plugins;

namespace Kiln.Tests.Images;

public sealed class HostPreflightTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kiln-preflight-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private ResolvedSource Source(string yaml)
    {
        File.WriteAllText(Path.Combine(_directory, "app.kiln.yaml"), yaml);
        var set = DefinitionLoader.Load(_directory, new VariableInputs { Environment = new Dictionary<string, string>() }, PluginCatalog.Default);
        return set.Resolve("app", BuildScope.Symbolic).Sources.Single();
    }

    [Fact]
    public void A_missing_tool_is_named_with_the_package_that_provides_it()
    {
        var source = Source("""
            name: app
            sources:
              local: { type: qemu, base: { bootstrap: { suite: bookworm } } }
            """);
        var empty = Directory.CreateDirectory(Path.Combine(_directory, "bin")).FullName;

        var error = Assert.Throws<KilnException>(() => HostPreflight.Ensure([source], PluginCatalog.Default, [empty]));

        Assert.Contains("qemu-img not found: apt-get install qemu-utils", error.Message, StringComparison.Ordinal);
        Assert.Contains("mmdebstrap not found: apt-get install mmdebstrap", error.Message, StringComparison.Ordinal);
        Assert.Contains("qemu-system-x86_64 not found: apt-get install qemu-system-x86", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install --no-install-recommends qemu-system-x86 qemu-utils", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tool_found_in_the_searched_folders_passes_and_a_container_build_needs_nothing()
    {
        var bin = Directory.CreateDirectory(Path.Combine(_directory, "bin")).FullName;
        foreach (var tool in new[] { "qemu-system-x86_64", "qemu-img", "ssh-keygen" })
        {
            File.WriteAllText(Path.Combine(bin, tool), "#!/bin/sh\n");
        }

        File.WriteAllText(Path.Combine(_directory, "disk.qcow2"), "");
        var qemu = Source("""
            name: app
            sources:
              local: { type: qemu, base: { image: disk.qcow2 }, guest_init: kiln }
            """);
        HostPreflight.Ensure([qemu], PluginCatalog.Default, [bin]);

        var docker = Source("""
            name: app
            sources:
              container: { type: docker, image: "debian:bookworm" }
            """);
        Assert.Empty(HostRequirements.For(docker, PluginCatalog.Default));
        HostPreflight.Ensure([docker], PluginCatalog.Default, []);
    }

    [Fact]
    public void Every_declared_package_is_installed_by_the_repository_CI()
    {
        var listed = Directory.EnumerateFiles(Path.Combine(Definitions.RepositoryFiles.Root, ".ci", "packages"), "*.txt")
            .SelectMany(File.ReadLines)
            .Select(line => line.Split('#')[0].Trim())
            .Where(line => line.Length > 0)
            .ToHashSet(StringComparer.Ordinal);

        Assert.All(HostRequirement.Known, requirement => Assert.True(listed.Contains(requirement.Package), $"{requirement.Package} ({requirement.Tool}) is missing from .ci/packages"));
    }
}
