using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Layers;
using Kiln.Images;
using Kiln.Consoles;
using Kiln.Plugins;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// Layers shared by builds through Kiln's facade, from YAML definitions: one image caches two common steps; then two
/// other images with the same first steps build at once under a one-byte --cache-size. Both resume from the shared
/// layers (which eviction must spare while they are in use) and keep step 1's token; their own new layers are evicted.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class QemuLayerSharingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-layer-sharing-").FullName;

    private string Layers => Path.Combine(_root, "layers");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Two_builds_resume_from_the_same_layers_at_once_and_eviction_spares_the_layers_in_use()
    {
        foreach (var name in new[] { "first", "left", "right" })
        {
            Write(name);
        }

        var (first, firstLog) = await BuildAsync(["first"], parallel: 1, cacheSize: null);
        Assert.True(first.Succeeded, firstLog);
        var keys = new LayerStore(Layers).All();
        Assert.Equal(3, keys.Count);
        var token = await File.ReadAllTextAsync(Path.Combine(_root, "templates", "first-token"), TestContext.Current.CancellationToken);

        var (both, bothLog) = await BuildAsync(["left", "right"], parallel: 2, cacheSize: 1);
        Assert.True(both.Succeeded, bothLog);
        Assert.Equal(2, bothLog.Split('\n').Count(l => l.Contains("resumed after step 2 of 4", StringComparison.Ordinal)));
        foreach (var name in new[] { "left", "right" })
        {
            Assert.Equal(token, await File.ReadAllTextAsync(Path.Combine(_root, "templates", $"{name}-token"), TestContext.Current.CancellationToken));
        }

        // The two shared layers were in use whenever eviction ran; the new step-3 layers were not.
        Assert.Contains("evicted layer ", bothLog, StringComparison.Ordinal);
        Assert.Equal([1, 2], new LayerStore(Layers).All().Select(l => l.Step).Order());
    }

    private void Write(string name) => File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(_root, "templates")).FullName, $"{name}.kiln.yaml"), $$"""
        name: {{name}}
        sources:
          local:
            type: qemu
            base: { bootstrap: { suite: bookworm } }
            disk_size: 4G
            accelerator: tcg
            boot_timeout: 20m
            ssh_timeout: 10m
            shutdown_timeout: 10m
            verify: { enabled: false }
        provision:
          - shell: { inline: ["head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n' > /var/kiln-token"] }
          - shell: { inline: ["echo shared > /var/kiln-shared"] }
          - shell: { inline: ["echo {{name}} > /var/kiln-own"] }
          - file: { source: /var/kiln-token, destination: {{name}}-token, direction: download }
        """);

    private async Task<(ImageBuildOutcome Outcome, string Log)> BuildAsync(string[] images, int parallel, long? cacheSize)
    {
        using var log = new StringWriter();
        var outcome = await KilnImages.BuildAsync(
            new ImageBuildSettings
            {
                WorkingDirectory = _root,
                Templates = "templates",
                Images = images,
                Output = "output",
                LedgerDirectory = Path.Combine(_root, "ledger"),
                Catalog = PluginCatalog.Default.With(builders: [new QemuBuilder(QemuTestEnvironment.CacheDirectory, Layers)]),
                Console = new PlainBuildConsole(TextWriter.Synchronized(log)),
                Interaction = new NonInteractive(),
                Environment = new Dictionary<string, string>(),
                Parallel = parallel,
                CacheSize = cacheSize,
            },
            TestContext.Current.CancellationToken);
        return (outcome, log.ToString());
    }
}
