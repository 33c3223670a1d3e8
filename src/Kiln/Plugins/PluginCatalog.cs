using System.Reflection;
using Kiln.Builders;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Plugins;

/// <summary>
/// Every builder, provisioner, publisher and sweeper Kiln knows, found by scanning assemblies for concrete
/// classes with a public parameterless constructor. Adding a plugin adds a class, not a case to a switch.
/// Definitions see it as <see cref="IPluginTypes"/> (type names and config types), a running build as
/// <see cref="IBuildPlugins"/> (through <see cref="BuildContext.Plugins"/>).
/// </summary>
public sealed class PluginCatalog : IPluginTypes, IBuildPlugins
{
    private static readonly Lazy<PluginCatalog> DefaultCatalog = new(() => FromAssemblies(typeof(PluginCatalog).Assembly));

    private PluginCatalog(
        IReadOnlyDictionary<string, IBuilder> builders,
        IReadOnlyDictionary<string, IProvisioner> provisioners,
        IReadOnlyDictionary<string, IPublisher> publishers,
        IReadOnlyDictionary<string, IResourceSweeper> sweepers)
    {
        Builders = builders;
        Provisioners = provisioners;
        Publishers = publishers;
        Sweepers = sweepers;
        SourceConfigTypes = ConfigTypes(builders, b => b.ConfigType);
        ProvisionerConfigTypes = ConfigTypes(provisioners, p => p.ConfigType);
        PublisherConfigTypes = ConfigTypes(publishers, p => p.ConfigType);
    }

    public static PluginCatalog Default => DefaultCatalog.Value;

    public IReadOnlyDictionary<string, IBuilder> Builders { get; }

    public IReadOnlyDictionary<string, IProvisioner> Provisioners { get; }

    public IReadOnlyDictionary<string, IPublisher> Publishers { get; }

    public IReadOnlyDictionary<string, IResourceSweeper> Sweepers { get; }

    public IReadOnlyDictionary<string, Type> SourceConfigTypes { get; }

    public IReadOnlyDictionary<string, Type> ProvisionerConfigTypes { get; }

    public IReadOnlyDictionary<string, Type> PublisherConfigTypes { get; }

    public SourceSteps DescribeSource(ResolvedSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var builder = Builders[source.Type];
        return new SourceSteps(builder.DescribeSteps(source), builder.DescribeTemporaryResources(source));
    }

    public static PluginCatalog FromAssemblies(params Assembly[] assemblies)
    {
        var types = assemblies
            .SelectMany(a => a.GetTypes())
            .Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false } && t.GetConstructor(Type.EmptyTypes) is not null)
            .ToList();

        return new PluginCatalog(
            Index<IBuilder>(types, b => b.Type),
            Index<IProvisioner>(types, p => p.Type),
            Index<IPublisher>(types, p => p.Type),
            Index<IResourceSweeper>(types, s => s.Kind));
    }

    public PluginCatalog With(
        IEnumerable<IBuilder>? builders = null,
        IEnumerable<IProvisioner>? provisioners = null,
        IEnumerable<IPublisher>? publishers = null,
        IEnumerable<IResourceSweeper>? sweepers = null) =>
        new(
            Merge(Builders, builders, b => b.Type),
            Merge(Provisioners, provisioners, p => p.Type),
            Merge(Publishers, publishers, p => p.Type),
            Merge(Sweepers, sweepers, s => s.Kind));

    private static Dictionary<string, Type> ConfigTypes<T>(IReadOnlyDictionary<string, T> plugins, Func<T, Type> configType) =>
        plugins.ToDictionary(p => p.Key, p => configType(p.Value), StringComparer.Ordinal);

    private static Dictionary<string, T> Index<T>(IEnumerable<Type> types, Func<T, string> key) =>
        types.Where(typeof(T).IsAssignableFrom)
            .Select(t => (T)Activator.CreateInstance(t)!)
            .ToDictionary(key, StringComparer.Ordinal);

    private static Dictionary<string, T> Merge<T>(IReadOnlyDictionary<string, T> existing, IEnumerable<T>? extra, Func<T, string> key)
    {
        var merged = new Dictionary<string, T>(existing, StringComparer.Ordinal);
        foreach (var item in extra ?? [])
        {
            merged[key(item)] = item;
        }

        return merged;
    }
}
