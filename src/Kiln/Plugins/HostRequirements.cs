using Kiln.Definitions;
using Kiln.Engine;

namespace Kiln.Plugins;

/// <summary>What the plugins of resolved builds declare they need on the build host, and which of it is missing.</summary>
public static class HostRequirements
{
    /// <summary>Everything one source's build needs: its builder's, its provisioners' and checks', its publishers'.</summary>
    public static IReadOnlyList<HostRequirement> For(ResolvedSource source, PluginCatalog catalog) =>
        [.. ForBuilding(source, catalog).Concat(ForPublishers(source, catalog)).Distinct()];

    /// <summary>What one source's build needs up to its publish stage: its builder's, its provisioners' and checks'.</summary>
    public static IReadOnlyList<HostRequirement> ForBuilding(ResolvedSource source, PluginCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(catalog);
        var declared = new List<HostRequirement>();
        Add(declared, catalog.Builders.GetValueOrDefault(source.Type), source.Config);
        foreach (var step in source.Provisioners.Concat(source.Verify))
        {
            Add(declared, catalog.Provisioners.GetValueOrDefault(step.Type), step.Config);
        }

        return [.. declared.Distinct()];
    }

    /// <summary>What one source's publish chains need: all a publish-only run (<c>PublishBuilt</c>) runs on the host.</summary>
    public static IReadOnlyList<HostRequirement> ForPublishers(ResolvedSource source, PluginCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(catalog);
        var declared = new List<HostRequirement>();
        foreach (var publisher in source.Publish.SelectMany(chain => chain))
        {
            Add(declared, catalog.Publishers.GetValueOrDefault(publisher.Type), publisher.Config);
        }

        return [.. declared.Distinct()];
    }

    /// <summary>
    /// The requirements whose tool is in none of <paramref name="directories"/> (by default PATH and the system's bin
    /// and sbin folders, where root's tools live), or, for a path, whose file does not exist.
    /// </summary>
    public static IReadOnlyList<HostRequirement> Missing(IEnumerable<HostRequirement> requirements, IReadOnlyList<string>? directories = null)
    {
        directories ??= [.. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"])];
        return [.. requirements.Distinct().Where(r => Path.IsPathRooted(r.Tool)
            ? !File.Exists(r.Tool)
            : !directories.Any(directory => File.Exists(Path.Combine(directory, r.Tool))))];
    }

    private static void Add(List<HostRequirement> declared, object? plugin, object config)
    {
        if (plugin is IDeclaresHostRequirements declaring)
        {
            declared.AddRange(declaring.HostRequirements(config));
        }
    }
}
