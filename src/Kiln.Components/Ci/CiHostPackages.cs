using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Plugins;

namespace Kiln.Components.Ci;

/// <summary>
/// The Debian/Ubuntu packages a CI runner installs before one build: what the build's plugins declare they run on
/// the host (the same declarations the preflight of BuildImages checks), sorted so the generated files are stable.
/// </summary>
public static class CiHostPackages
{
    /// <summary>What an image job installs: it builds, captures and verifies; its publishers run in the final job.</summary>
    public static IReadOnlyList<string> For(DefinitionSet definitions, string image, string source) =>
        Packages(definitions, image, source, HostRequirements.ForBuilding);

    /// <summary>What the final, publish-only job installs for this build: its publishers' tools only.</summary>
    public static IReadOnlyList<string> ForPublishing(DefinitionSet definitions, string image, string source) =>
        Packages(definitions, image, source, HostRequirements.ForPublishers);

    private static IReadOnlyList<string> Packages(
        DefinitionSet definitions, string image, string source, Func<ResolvedSource, PluginCatalog, IReadOnlyList<HostRequirement>> requirements)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var resolved = definitions.Resolve(image, BuildScope.Symbolic with { ChecksLocalPaths = false }).Sources.Single(s => s.Name == source);
        // Definitions see plugins only as config types; the catalog behind them knows what each plugin runs.
        var catalog = definitions.Plugins as PluginCatalog ?? PluginCatalog.Default;
        return [.. requirements(resolved, catalog).Select(r => r.Package).Distinct().Order(StringComparer.Ordinal)];
    }
}
