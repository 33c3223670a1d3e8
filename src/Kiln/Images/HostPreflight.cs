using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Plugins;

namespace Kiln.Images;

/// <summary>
/// Checked when a run is prepared, before any machine, container or cloud resource exists: every host tool the
/// selected builds' plugins declare is installed, or the run stops naming each missing one with its package.
/// </summary>
public static class HostPreflight
{
    /// <summary>The check of a publish-only run: only the publishers' tools.</summary>
    public static void EnsurePublishers(IEnumerable<ResolvedSource> sources, PluginCatalog catalog) =>
        Report(HostRequirements.Missing(sources.SelectMany(source => HostRequirements.ForPublishers(source, catalog))));

    /// <summary>Stops the run when a tool is missing; a run that does not publish (<paramref name="publishes"/> false) skips the publishers' tools.</summary>
    public static void Ensure(IEnumerable<ResolvedSource> sources, PluginCatalog catalog, IReadOnlyList<string>? directories = null, bool publishes = true)
    {
        var missing = HostRequirements.Missing(
            sources.SelectMany(source => publishes ? HostRequirements.For(source, catalog) : HostRequirements.ForBuilding(source, catalog)), directories);
        Report(missing);
    }

    private static void Report(IReadOnlyList<HostRequirement> missing)
    {
        if (missing.Count == 0)
        {
            return;
        }

        throw new KilnException(
            string.Join('\n', missing.Select(r => $"{r.Tool} not found: apt-get install {r.Package}")),
            $"install what the selected builds need, then run again: apt-get install --no-install-recommends {string.Join(' ', missing.Select(r => r.Package).Distinct())}");
    }
}
