using System.Text.Json.Nodes;
using Kiln.Engine;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Publishers;

/// <summary>Two separate Kiln processes and this one append to one manifest at the same time.</summary>
public sealed class ManifestCrossProcessTests : IDisposable
{
    private const int EntriesPerWriter = 25;

    private readonly string _root = Directory.CreateTempSubdirectory("kiln-manifest-xproc-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Writers_in_other_processes_and_this_one_lose_no_entry()
    {
        var writer = await BuildWriterAsync();
        var manifest = Path.Combine(_root, "output", "manifest.json");

        var others = Enumerable.Range(0, 2)
            .Select(p => HostProcess.RunAsync("dotnet", [writer, manifest, $"proc{p}", EntriesPerWriter.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken: Token))
            .ToList();
        for (var i = 0; i < EntriesPerWriter; i++)
        {
            using var build = new PublishTestBuild(image: "here", root: _root);
            await ((IPublisher)new ManifestPublisher()).PublishAsync(
                new ManifestConfig { Output = manifest, Checksums = false }, build.State, [PublishTestBuild.ArtifactOf("qemu", $"here-{i}")], Token);
        }

        foreach (var other in others)
        {
            var result = await other;
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        var ids = JsonNode.Parse(File.ReadAllText(manifest))!["builds"]!.AsArray().Select(b => (string)b!["artifact_id"]!).ToList();
        var expected = new[] { "here", "proc0", "proc1" }.SelectMany(w => Enumerable.Range(0, EntriesPerWriter).Select(i => $"{w}-{i}"));
        Assert.Equal(expected.Order(), ids.Order());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A small program on the real Kiln library's public API (a .NET file-based app), built once.</summary>
    private async Task<string> BuildWriterAsync()
    {
        var source = Path.Combine(_root, "writer", "writer.cs");
        Directory.CreateDirectory(Path.GetDirectoryName(source)!);
        var project = Path.Combine(HostProcess.RepositoryRoot(), "src", "Kiln", "Kiln.csproj");
        await File.WriteAllTextAsync(source, $$"""
            #:project {{project}}
            #:property PublishAot=false
            using Kiln.Definitions;
            using Kiln.Engine;
            using Kiln.Model;
            using Kiln.Plugins;
            using Kiln.Secrets;

            var (manifest, name, count) = (args[0], args[1], int.Parse(args[2]));
            for (var i = 0; i < count; i++)
            {
                var source = new ResolvedSource { Name = "qemu", Type = "qemu", Config = new Src() };
                var context = new BuildContext
                {
                    RunId = Guid.NewGuid().ToString(),
                    Image = new ResolvedImage { Name = name, FilePath = manifest, Sources = [source] },
                    Source = source,
                    OutputDirectory = Path.GetDirectoryName(manifest)!,
                    WorkDirectory = Path.GetDirectoryName(manifest)!,
                    Log = new Log(),
                    Ledger = new Ledger(),
                    Progress = new Progress(),
                    Interaction = new Quiet(),
                    Redactor = new Redactor(),
                    Plugins = PluginCatalog.Default,
                };
                // Through the public catalog, as a plugin host outside Kiln's assembly sees the built-in publisher.
                var publisher = PluginCatalog.Default.Publishers["manifest"];
                var config = (PublisherConfig)Activator.CreateInstance(PluginCatalog.Default.PublisherConfigTypes["manifest"])!;
                config.GetType().GetProperty("Output")!.SetValue(config, manifest);
                config.GetType().GetProperty("Checksums")!.SetValue(config, false);
                await publisher.PublishAsync(
                    config, new State(context), [new Artifact { BuilderType = "qemu", Id = $"{name}-{i}" }], CancellationToken.None);
            }

            sealed class Src : SourceConfig;
            sealed class State(BuildContext context) : BuildState(context);
            sealed class Log : IBuildLog
            {
                public void Info(string message) { }
                public void Warn(string message) { }
                public void Error(string message) => Console.Error.WriteLine(message);
                public void Verbose(string message) { }
                public void Output(string line, bool isError = false) { }
            }
            sealed class Ledger : ILedger
            {
                public Task<ILedgerEntry> RecordAsync(LedgerResource resource, CancellationToken cancellationToken) => Task.FromResult<ILedgerEntry>(new Entry(resource));
                sealed class Entry(LedgerResource resource) : ILedgerEntry
                {
                    public LedgerResource Resource => resource;
                    public Task UpdateAsync(LedgerResource r, CancellationToken c) => Task.CompletedTask;
                    public Task ReleaseAsync(CancellationToken c) => Task.CompletedTask;
                }
            }
            sealed class Progress : IProgressSink, IProgressTask
            {
                public IProgressTask Start(string description, long? total = null) => this;
                public void Advance(long amount) { }
                public void SetTotal(long total) { }
                public void Dispose() { }
            }
            sealed class Quiet : IInteraction
            {
                public bool IsInteractive => false;
                public Task WaitForEnterAsync(string prompt, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            sealed class Redactor : IRedactor
            {
                public void Add(string secret) { }
                public string Redact(string text) => text;
            }
            """, Token);
        var output = Path.Combine(_root, "writer", "bin");
        var build = await HostProcess.RunAsync("dotnet", ["build", source, "-o", output, "-v:q", "-nologo"], Path.GetDirectoryName(source), cancellationToken: Token);
        Assert.True(build.ExitCode == 0, build.ToString());
        return Path.Combine(output, "writer.dll");
    }
}
