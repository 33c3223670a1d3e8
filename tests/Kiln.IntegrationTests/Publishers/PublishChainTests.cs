using System.Text.Json.Nodes;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Steps;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Publishers;

/// <summary>
/// The publishers as a user writes them: a definition loaded by the real loader and catalog, its chains run by the
/// engine's stage runner, a vagrant box going on to a GitHub release (fake API) and every artifact into the manifest.
/// </summary>
public sealed class PublishChainTests : IAsyncLifetime
{
    private const string Token = "ghp_chainToken_0123456789abcdef";

    private readonly string _root = Directory.CreateTempSubdirectory("kiln-chain-").FullName;
    private FakeGitHub _github = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _github = await FakeGitHub.StartAsync(Token, Cancel);
        _github.Repositories.Add("kiln-images/base");
    }

    public async ValueTask DisposeAsync()
    {
        await _github.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_box_chain_uploads_the_box_and_the_manifest_records_what_was_kept()
    {
        var definition = Path.Combine(_root, "web.kiln.yaml");
        await File.WriteAllTextAsync(definition, $$$"""
            name: web
            sources:
              local: { type: qemu, base: { image: base.qcow2 } }
            publish:
              - [vagrant: { compression_level: 1 }, github-release: { owner: kiln-images, repository: base, tag: "v{{ env.VERSION }}", token: "{{ env.GH_TOKEN }}", api_url: "{{{_github.BaseUrl}}}" }]
              - [checksum: { types: [sha256, sha512], output: "sums/web.{type}" }]
              - [compress: { format: gzip, level: 1 }, manifest: { custom_data: { version: "{{ env.VERSION }}" } }]
            """, Cancel);
        var set = DefinitionLoader.Load(definition, new VariableInputs
        {
            Environment = new Dictionary<string, string> { ["VERSION"] = "2.0.0", ["GH_TOKEN"] = Token },
        }, PluginCatalog.Default);
        Assert.Empty(set.Validate());
        var image = set.Resolve("web", BuildScope.Symbolic);

        var output = Path.Combine(_root, "output", "web", "local");
        Directory.CreateDirectory(output);
        var disk = Path.Combine(output, "web.qcow2");
        var create = await HostProcess.RunAsync("qemu-img", ["create", "-q", "-f", "qcow2", disk, "1G"], cancellationToken: Cancel);
        Assert.True(create.ExitCode == 0, create.ToString());
        var log = new TestLog();
        var template = TestBuild.Context(new PublishTestSource(), workDirectory: Path.Combine(_root, "work"), log: log);
        var context = new BuildContext
        {
            RunId = template.RunId,
            Image = image,
            Source = image.Sources.Single(),
            OutputDirectory = output,
            WorkDirectory = template.WorkDirectory,
            Plugins = template.Plugins,
            Log = log,
            Ledger = template.Ledger,
            Progress = template.Progress,
            Interaction = template.Interaction,
            Redactor = set.Redactor,
        };
        var state = new PublishTestState(context) { Fingerprint = "fp-chain" };
        state.Artifacts.Add(new Artifact
        {
            BuilderType = "qemu",
            Id = "web.qcow2",
            Files = [new ArtifactFile(disk, new FileInfo(disk).Length)],
            Outputs = new Dictionary<string, string> { ["qcow2"] = disk },
        });

        await new PublishChains().RunAsync(state, Cancel);

        var release = Assert.Single(_github.Releases);
        Assert.Equal("v2.0.0", release.Tag);
        var asset = Assert.Single(release.Assets);
        Assert.Equal("web.local.libvirt.box", asset.Name);
        Assert.Equal(File.ReadAllBytes(Path.Combine(output, "web.local.libvirt.box")), asset.Content);
        Assert.True(File.Exists(Path.Combine(_root, "sums", "web.sha256")));
        Assert.True(File.Exists(disk), "vagrant, first in its chain, keeps the build's own artifact");
        Assert.True(File.Exists(disk + ".gz"));

        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_root, "output", "manifest.json"), Cancel))!;
        var entry = Assert.Single(manifest["builds"]!.AsArray())!;
        Assert.Equal("compress", (string?)entry["builder_type"]);
        Assert.Equal("web/local/web.qcow2.gz", (string?)entry["files"]![0]!["name"]);
        Assert.Equal("2.0.0", (string?)entry["custom_data"]!["version"]);
        Assert.Equal("fp-chain", (string?)entry["kiln"]!["fingerprint"]);
        Assert.Contains("publish", entry["kiln"]!["stages"]!.AsObject().Select(p => p.Key));
        Assert.Equal(context.RunId, (string?)manifest["last_run_uuid"]);

        Assert.Contains(state.Artifacts, a => a.BuilderType == "github-release" && a.Outputs["download_url"].EndsWith("/web.local.libvirt.box", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains(Token, StringComparison.Ordinal));
    }
}
