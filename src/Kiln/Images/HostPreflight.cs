using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Plugins;

namespace Kiln.Images;

/// <summary>
/// Checked when a run is prepared, before any machine, container or cloud resource exists: every host tool the
/// selected builds' plugins declare is installed, or the run stops naming each missing one with its package.
/// </summary>
public static class HostPreflight
{
    public static void Ensure(IEnumerable<ResolvedSource> sources, PluginCatalog catalog, IReadOnlyList<string>? directories = null)
    {
        var missing = HostRequirements.Missing(sources.SelectMany(source => HostRequirements.For(source, catalog)), directories);
        if (missing.Count == 0)
        {
            return;
        }

        throw new KilnException(
            string.Join('\n', missing.Select(r => $"{r.Tool} not found: apt-get install {r.Package}")),
            $"install what the selected builds need, then run again: apt-get install --no-install-recommends {string.Join(' ', missing.Select(r => r.Package).Distinct())}");
    }
}
