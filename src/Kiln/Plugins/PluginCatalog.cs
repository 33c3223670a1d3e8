using System.Reflection;
using Kiln.Builders;
using Kiln.Pipeline;
using Kiln.Provisioners;
using Kiln.Publishers;

namespace Kiln.Plugins;

/// <summary>
/// Every builder, provisioner, publisher and sweeper Kiln knows, found by scanning assemblies for concrete
/// classes with a public parameterless constructor. Adding a plugin adds a class, not a case to a switch.
/// </summary>
public sealed class PluginCatalog
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
    }

    public static PluginCatalog Default => DefaultCatalog.Value;

    public IReadOnlyDictionary<string, IBuilder> Builders { get; }

    public IReadOnlyDictionary<string, IProvisioner> Provisioners { get; }

    public IReadOnlyDictionary<string, IPublisher> Publishers { get; }

    public IReadOnlyDictionary<string, IResourceSweeper> Sweepers { get; }

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
