using Kiln.Consoles;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Model;
using Kiln.Publishers;
using Kiln.Sessions;

namespace Kiln.Images;

/// <summary>
/// One prepared <c>BuildImages</c> run: definitions loaded and valid, images selected, fingerprints computed and
/// up-to-date builds found. <see cref="RunAsync"/> starts the builds; <see cref="WaitForStageAsync"/> follows them
/// stage by stage, which is how the build graph's stage targets map onto free-running builds.
/// </summary>
public sealed class ImageBuildRun
{
    private readonly ImageBuildSession _session;

    private ImageBuildRun(
        ImageBuildSettings settings, DefinitionSet definitions, ImageSelection selection,
        IReadOnlyList<PlannedBuild> builds, ImageBuildSession session, string runId, string outputDirectory)
    {
        Settings = settings;
        Definitions = definitions;
        Selection = selection;
        Builds = builds;
        _session = session;
        RunId = runId;
        OutputDirectory = outputDirectory;
    }

    public ImageBuildSettings Settings { get; }

    public DefinitionSet Definitions { get; }

    public ImageSelection Selection { get; }

    /// <summary>Every image × source of the run with its fingerprint and whether it is up to date.</summary>
    public IReadOnlyList<PlannedBuild> Builds { get; }

    public string RunId { get; }

    public string OutputDirectory { get; }

    public string ManifestPath => Path.Combine(OutputDirectory, "manifest.json");

    /// <summary>Builds whose cleanups are running, for a host asked to stop twice.</summary>
    public IReadOnlyList<string> CleaningUp => _session.CleaningUp;

    public static async Task<ImageBuildRun> PrepareAsync(ImageBuildSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var definitions = KilnImages.Load(settings);
        definitions.EnsureValid();
        var selection = ImageSelection.From(definitions, settings);
        var output = settings.FullPath(settings.Output);
        var runId = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
        var manifest = Path.Combine(output, "manifest.json");

        var builds = new List<PlannedBuild>();
        var planned = new List<PlannedImage>();
        var timestamp = DateTimeOffset.UtcNow;
        var toRun = new List<ResolvedSource>();
        foreach (var (image, symbolic, prints, layers) in SourcePrints.Compute(definitions, selection, settings))
        {
            var upToDate = new Dictionary<string, IReadOnlyList<Artifact>>(StringComparer.Ordinal);
            foreach (var source in image.Sources)
            {
                var previous = settings.Force ? null : await ManifestReader.FindLastSuccessfulAsync(
                    manifest, image.Name, source, cancellationToken, acceptUnpublished: settings.SkippedStages.Contains(Stage.Publish));
                var current = previous?.IsReusableFor(prints[source]) == true;
                if (current)
                {
                    upToDate[source] = previous!.Artifacts;
                }

                builds.Add(new PlannedBuild(image.Name, source, prints[source], current));
                if (!current)
                {
                    toRun.Add(symbolic.Sources.Single(s => s.Name == source));
                }
            }

            var name = image.Name;
            planned.Add(new PlannedImage
            {
                Name = name,
                DependsOn = image.DependsOn,
                Sources = image.Sources,
                Fingerprint = (_, source) => prints.GetValueOrDefault(source.Name),
                Layers = source => layers.GetValueOrDefault(source.Name),
                UpToDate = upToDate,
                Resolve = (dependencies, _) => Task.FromResult(WithRunManifest(definitions.Resolve(name, new BuildScope
                {
                    RunId = runId,
                    OutputDirectory = source => Path.Combine(output, name, source),
                    Dependencies = dependencies.ToDictionary(d => d.Key, d => (IReadOnlyList<Artifact>)[.. d.Value.SelectMany(r => r.Artifacts)], StringComparer.Ordinal),
                    Timestamp = timestamp,
                }), manifest)),
            });
        }

        HostPreflight.Ensure(toRun, settings.Catalog, publishes: !settings.SkippedStages.Contains(Stage.Publish));
        var (console, interaction) = settings.Console is null
            ? BuildConsoles.ForCurrentProcess()
            : (settings.Console, settings.Interaction ?? new ConsoleInteraction(TextWriter.Null));
        var session = new ImageBuildSession(planned, new BuildSessionOptions
        {
            Parallelism = settings.Parallel,
            OnError = settings.OnError,
            SkippedStages = settings.SkippedStages,
            Catalog = settings.Catalog,
            RunId = runId,
            OutputDirectory = output,
            ManifestPath = manifest,
            Ledger = new DiskLedger(settings.LedgerDirectory ?? DiskLedger.DefaultDirectory(settings.WorkingDirectory), runId),
            Console = console,
            Interaction = settings.Interaction ?? interaction,
            Redactor = definitions.Redactor,
        });
        return new ImageBuildRun(settings, definitions, selection, builds, session, runId, output);
    }

    public Task<IReadOnlyList<BuildResult>> RunAsync(CancellationToken cancellationToken) => _session.RunAsync(cancellationToken);

    public Task WaitForStageAsync(Stage stage, CancellationToken cancellationToken) => _session.WaitForStageAsync(stage, cancellationToken);

    /// <summary>Every build records itself in the run-wide manifest, which is what makes the next run incremental.</summary>
    internal static ResolvedImage WithRunManifest(ResolvedImage image, string manifest) => image with
    {
        Sources = [.. image.Sources.Select(source =>
            source.Publish.SelectMany(chain => chain).Any(p => p.Config is ManifestConfig config && (config.Output is null || image.ResolvePath(config.Output) == manifest))
                ? source
                : source with { Publish = [.. source.Publish, [new ResolvedPlugin<PublisherConfig>("manifest", new ManifestConfig(), null)]] })],
    };
}

/// <summary>An image × source of a run, before it runs.</summary>
public sealed record PlannedBuild(string Image, string Source, string Fingerprint, bool UpToDate)
{
    public string Name => $"{Image}.{Source}";
}
