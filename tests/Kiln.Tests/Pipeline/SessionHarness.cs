using Kiln.Consoles;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Plugins;
using Kiln.Sessions;
using Kiln.Testing;

namespace Kiln.Tests.Pipeline;

/// <summary>What a session test needs around it: captured output, an in-memory ledger, temp directories.</summary>
internal sealed class SessionHarness : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("kiln-session-");

    public StringWriter Output { get; } = new();

    public MemoryLedger Ledger { get; } = new();

    public ListRedactor Redactor { get; } = new();

    public string Root => _root.FullName;

    public string Text => Output.ToString();

    public BuildSessionOptions Options(
        TestBuilder builder,
        int parallelism = 4,
        OnErrorMode onError = OnErrorMode.Cleanup,
        IInteraction? interaction = null,
        IEnumerable<IPublisher>? publishers = null) => new()
        {
            Parallelism = parallelism,
            OnError = onError,
            Catalog = PluginCatalog.Default.With(builders: [builder], publishers: publishers),
            RunId = "run-1",
            OutputDirectory = Path.Combine(Root, "output"),
            WorkDirectory = Path.Combine(Root, "work"),
            Ledger = Ledger,
            Console = new PlainBuildConsole(Output, new PlainConsoleOptions { Timestamps = false, Verbose = false }),
            Interaction = interaction ?? new NonInteractive(),
            Redactor = Redactor,
        };

    public static PlannedImage Image(
        string name,
        string[] sources,
        string[]? dependsOn = null,
        Action<IReadOnlyDictionary<string, IReadOnlyList<BuildResult>>>? onResolve = null,
        IReadOnlyList<IReadOnlyList<ResolvedPlugin<PublisherConfig>>>? publish = null) => new()
        {
            Name = name,
            DependsOn = dependsOn ?? [],
            Sources = sources,
            Resolve = (dependencies, _) =>
            {
                onResolve?.Invoke(dependencies);
                return Task.FromResult(new ResolvedImage
                {
                    Name = name,
                    FilePath = $"/defs/{name}.kiln.yaml",
                    DependsOn = dependsOn ?? [],
                    Sources = [.. sources.Select(s => new ResolvedSource { Name = s, Type = "test", Config = new TestSourceConfig(), Publish = publish ?? [] })],
                });
            },
        };

    public void Dispose()
    {
        Output.Dispose();
        _root.Delete(recursive: true);
    }
}
