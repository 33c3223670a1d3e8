using Docker.DotNet.Models;
using Kiln.Builders.Docker;
using Kiln.Consoles;
using Kiln.Definitions;
using Kiln.IntegrationTests.Qemu;
using Kiln.Plugins;
using Kiln.Sessions;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Docker;

/// <summary>
/// A provisioner a user registers in their own catalog runs in a real build, under <c>provision:</c> and <c>verify:</c>,
/// with a builder the catalog made by reflection (which gets no catalog of its own: its steps read the build's plugins).
/// </summary>
[Collection(DockerEngineCollection.Name)]
public sealed class CustomCatalogBuildTests(DockerEngineFixture engine) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kiln-docker-catalog-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_provisioner_registered_through_a_custom_catalog_provisions_and_verifies_a_build()
    {
        var catalog = PluginCatalog.Default.With(provisioners: [new GuestCommandProvisioner()]);
        Assert.IsType<DockerBuilder>(catalog.Builders["docker"]);
        Assert.False(PluginCatalog.Default.Provisioners.ContainsKey("guest-command"));
        var tag = $"kiln-test/custom-catalog:{Guid.NewGuid():N}";
        await File.WriteAllTextAsync(Path.Combine(_directory, "stamped.kiln.yaml"), $$$"""
            name: stamped
            sources:
              container:
                type: docker
                rootfs_tarball: {{{engine.BaseTarball}}}
                docker_host: {{{engine.Host}}}
                network_mode: none
                tags: ["{{{tag}}}"]
            provision:
              - guest-command: { command: "echo stamped by a custom provisioner > /etc/kiln-stamp" }
            verify:
              - guest-command: { command: "grep -qx 'stamped by a custom provisioner' /etc/kiln-stamp" }
            """, Token);
        var set = DefinitionLoader.Load(_directory, new VariableInputs { Environment = new Dictionary<string, string>() }, catalog);
        Assert.Empty(set.Validate());
        var output = new StringWriter();
        var options = new BuildSessionOptions
        {
            OutputDirectory = Path.Combine(_directory, "out"),
            WorkDirectory = Path.Combine(_directory, "work"),
            Ledger = new MemoryLedger(),
            Console = new PlainBuildConsole(output, new PlainConsoleOptions { Verbose = true }),
            Interaction = new NonInteractive(),
            Redactor = set.Redactor,
            Catalog = catalog,
        };
        var planned = new PlannedImage
        {
            Name = "stamped",
            Sources = ["container"],
            Resolve = (_, _) => Task.FromResult(set.Resolve("stamped", new BuildScope { RunId = options.RunId, OutputDirectory = s => Path.Combine(options.OutputDirectory, "stamped", s) })),
        };

        try
        {
            var result = Assert.Single(await new ImageBuildSession([planned], options).RunAsync(Token));

            Assert.True(result.Succeeded, $"{result.Reason}\n{result.Hint}\n{output}");
            var check = Assert.Single(result.Checks);
            Assert.True(check.Passed);
            Assert.Contains("guest-command", check.Check, StringComparison.Ordinal);
            var stamp = await engine.DockerAsync($"run --rm --network none {tag} cat /etc/kiln-stamp", Token);
            Assert.Equal("stamped by a custom provisioner", stamp.Output.Trim());
            Assert.Empty(((MemoryLedger)options.Ledger).Open);
        }
        finally
        {
            using var client = engine.CreateClient();
            var found = await client.Images.ListImagesAsync(new ImagesListParameters { Filters = new Dictionary<string, IDictionary<string, bool>> { ["reference"] = new Dictionary<string, bool> { [tag] = true } } }, CancellationToken.None);
            foreach (var image in found)
            {
                await client.Images.DeleteImageAsync(image.ID, new ImageDeleteParameters { Force = true }, CancellationToken.None);
            }
        }
    }
}
