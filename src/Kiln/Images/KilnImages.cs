using Kiln.Builders.Qemu;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Model;

namespace Kiln.Images;

/// <summary>
/// Kiln's entry points for build scripts (a Kiln.Targets build, a Cake script, a plain program):
/// <c>var result = await KilnImages.BuildAsync(new ImageBuildSettings { Only = ["local"] });</c>
/// </summary>
public static class KilnImages
{
    /// <summary>The file name the embedded default is reported under when a repository has no definitions.</summary>
    public const string DefaultDefinitionFile = "kiln-default.kiln.yaml";

    /// <summary>Builds the selected images end to end; failures are in the results, not thrown.</summary>
    public static async Task<ImageBuildOutcome> BuildAsync(ImageBuildSettings settings, CancellationToken cancellationToken = default)
    {
        var run = await ImageBuildRun.PrepareAsync(settings, cancellationToken);
        var results = await run.RunAsync(cancellationToken);
        return new ImageBuildOutcome(run.RunId, run.OutputDirectory, run.ManifestPath, results);
    }

    /// <summary>
    /// Publishes builds that ran elsewhere with their publish stage skipped (<c>BuildImages --skip PublishImages</c> on
    /// CI runners): every file under <paramref name="inputs"/> is checked against its manifest's sha256 first, and
    /// nothing is published when one is missing or altered. Boots and builds nothing.
    /// </summary>
    public static Task<ImageBuildOutcome> PublishBuiltAsync(ImageBuildSettings settings, string inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(inputs);
        return PublishBuiltRun.RunAsync(settings, inputs, cancellationToken);
    }

    /// <summary>Every problem in every definition; empty when all are valid. Warnings (a deprecated key) go to <paramref name="warn"/>.</summary>
    public static IReadOnlyList<KilnDiagnostic> Validate(ImageBuildSettings settings, Action<string>? warn = null)
    {
        try
        {
            var definitions = Load(settings);
            var problems = definitions.Validate();
            foreach (var warning in definitions.Warnings)
            {
                warn?.Invoke(warning);
            }

            return problems;
        }
        catch (DefinitionException ex)
        {
            return ex.Diagnostics;
        }
    }

    /// <summary>What a build would do, as readable text with secrets masked.</summary>
    public static string Inspect(ImageBuildSettings settings)
    {
        var definitions = Load(settings);
        return definitions.Inspect().Render() + LayerReport.Describe(definitions, settings);
    }

    /// <summary>Drops every cached provisioning layer no running build uses; returns how many went.</summary>
    public static int ClearLayers(ImageBuildSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Catalog.Builders.Values.OfType<IProvisionLayerCache>().DistinctBy(c => c.LayerDirectory).Sum(c => c.ClearLayers());
    }

    /// <summary>
    /// Cleans what killed runs left behind: everything in the ledgers of dead runs, then cloud resources tagged by runs
    /// older than <paramref name="cloudRunAge"/> (default one day) in the accounts the definitions build in.
    /// </summary>
    public static async Task<SweepReport> SweepAsync(
        ImageBuildSettings settings, IBuildLog log, TimeSpan? cloudRunAge = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var report = await new LedgerSweep(settings.LedgerDirectory ?? DiskLedger.DefaultDirectory(settings.WorkingDirectory), settings.Catalog.Sweepers, log)
            .RunAsync(cancellationToken);
        if (HasDefinitions(settings.FullPath(settings.Templates)))
        {
            await CloudLeftovers.SweepAsync(Load(settings), cloudRunAge ?? TimeSpan.FromDays(1), settings.Catalog, log, cancellationToken);
        }

        return report;
    }

    /// <summary>The definitions under <see cref="ImageBuildSettings.Templates"/>, or the embedded default when there are none.</summary>
    public static DefinitionSet Load(ImageBuildSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var inputs = new VariableInputs { Vars = settings.Vars, VarFiles = [.. settings.VarFiles.Select(settings.FullPath)], Environment = settings.Environment };
        var templates = settings.FullPath(settings.Templates);
        if (!File.Exists(templates) && !Directory.Exists(templates) && settings.Templates != ImageBuildSettings.DefaultTemplates)
        {
            // A mistyped path must not quietly build the embedded default instead.
            throw new KilnException(
                $"the templates folder '{templates}' does not exist",
                $"name a folder (or a .kiln.yaml file) that exists, or leave out --templates to use {ImageBuildSettings.DefaultTemplates}/");
        }

        return HasDefinitions(templates)
            ? DefinitionLoader.Load(templates, inputs, settings.Catalog)
            : DefinitionLoader.LoadText([(Path.Combine(settings.WorkingDirectory, DefaultDefinitionFile), QemuDefaults.DefaultDefinitionYaml)], inputs, settings.Catalog);
    }

    public static bool HasDefinitions(string templates) =>
        File.Exists(templates)
        || (Directory.Exists(templates) && Directory.EnumerateFiles(templates, "*", SearchOption.AllDirectories)
            .Any(f => DefinitionReader.FileSuffixes.Any(s => f.EndsWith(s, StringComparison.OrdinalIgnoreCase))));
}

/// <summary>How a run ended: every build's result and where the manifest is.</summary>
public sealed record ImageBuildOutcome(string RunId, string OutputDirectory, string ManifestPath, IReadOnlyList<BuildResult> Results)
{
    public bool Succeeded => Results.All(r => r.Succeeded);

    public IReadOnlyList<Artifact> Artifacts => [.. Results.SelectMany(r => r.Artifacts)];
}
