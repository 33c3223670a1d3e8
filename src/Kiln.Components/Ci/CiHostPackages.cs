using Kiln.Definitions;
using Kiln.Plugins;

namespace Kiln.Components.Ci;

/// <summary>
/// The Debian/Ubuntu packages a CI runner installs before one build: what the build's plugins declare they run on
/// the host (the same declarations the preflight of BuildImages checks), sorted so the generated files are stable.
/// </summary>
public static class CiHostPackages
{
    public static IReadOnlyList<string> For(DefinitionSet definitions, string image, string source)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var resolved = definitions.Resolve(image, BuildScope.Symbolic).Sources.Single(s => s.Name == source);
        // Definitions see plugins only as config types; the catalog behind them knows what each plugin runs.
        var catalog = definitions.Plugins as PluginCatalog ?? PluginCatalog.Default;
        return [.. HostRequirements.For(resolved, catalog).Select(r => r.Package).Distinct().Order(StringComparer.Ordinal)];
    }
}
