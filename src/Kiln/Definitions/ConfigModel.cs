using System.Collections.Concurrent;
using System.ComponentModel;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Kiln.Definitions;

/// <summary>
/// How a plugin config class appears in YAML, read from its C# shape by the conventions every config follows:
/// public init properties, snake_case keys, <c>required</c> for required keys, [Description] for docs.
/// The binder and the schema generator both use it, so the schema describes exactly what binds.
/// </summary>
public sealed class ConfigModel
{
    private static readonly ConcurrentDictionary<Type, ConfigModel> Cache = new();
    private static readonly NullabilityInfoContext Nullability = new();

    private ConfigModel(Type type)
    {
        Type = type;
        Description = type.GetCustomAttribute<DescriptionAttribute>()?.Description;
        var properties = new List<ConfigProperty>();
        // Base class properties (only, except, ...) come after the plugin's own, as users read them.
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            if (property.GetCustomAttribute<InlineKeysAttribute>() is not null)
            {
                properties.AddRange(For(property.PropertyType).Properties.Select(p => p.Owner is null
                    ? p with { Owner = property }
                    : throw new InvalidOperationException($"{type.Name}.{property.Name}: [InlineKeys] classes cannot nest")));
                continue;
            }

            bool nullable;
            lock (Nullability)
            {
                nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null
                           || !property.PropertyType.IsValueType && Nullability.Create(property).WriteState == NullabilityState.Nullable;
            }

            properties.Add(new ConfigProperty(
                SnakeCase(property.Name),
                property,
                property.GetCustomAttribute<RequiredMemberAttribute>() is not null,
                nullable,
                property.GetCustomAttribute<DescriptionAttribute>()?.Description)
            {
                FormerKeys = [.. property.GetCustomAttributes<FormerKeyAttribute>().Select(a => a.Key)],
            });
        }

        Properties = properties;
    }

    public Type Type { get; }

    public string? Description { get; }

    public IReadOnlyList<ConfigProperty> Properties { get; }

    public static ConfigModel For(Type type) => Cache.GetOrAdd(type, t => new ConfigModel(t));

    public ConfigProperty? Find(string key) => Properties.FirstOrDefault(p => p.Key == key);

    /// <summary>The key that <paramref name="key"/> is an older name of (<see cref="FormerKeyAttribute"/>).</summary>
    public ConfigProperty? FindFormer(string key) => Properties.FirstOrDefault(p => p.FormerKeys.Contains(key));

    /// <summary>"SshTimeout" → "ssh_timeout", "AmiName" → "ami_name", "HTTPPort" → "http_port".</summary>
    public static string SnakeCase(string name)
    {
        var result = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var afterLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var endsAcronym = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (afterLowerOrDigit || endsAcronym)
                {
                    result.Append('_');
                }

                result.Append(char.ToLowerInvariant(c));
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    /// <summary>The kind of YAML value a property type takes.</summary>
    public static ValueKind KindOf(Type type, out Type element)
    {
        element = Nullable.GetUnderlyingType(type) ?? type;
        var t = element;
        if (t == typeof(string))
        {
            return ValueKind.String;
        }

        if (t == typeof(bool))
        {
            return ValueKind.Bool;
        }

        if (t == typeof(int) || t == typeof(long))
        {
            return ValueKind.Integer;
        }

        if (t == typeof(double))
        {
            return ValueKind.Number;
        }

        if (t == typeof(TimeSpan))
        {
            return ValueKind.Duration;
        }

        if (t.IsEnum)
        {
            return ValueKind.Enum;
        }

        if (t.IsGenericType)
        {
            var definition = t.GetGenericTypeDefinition();
            var arguments = t.GetGenericArguments();
            if (definition == typeof(IReadOnlyList<>) || definition == typeof(List<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(IEnumerable<>))
            {
                element = arguments[0];
                return ValueKind.List;
            }

            if ((definition == typeof(IReadOnlyDictionary<,>) || definition == typeof(Dictionary<,>)) && arguments[0] == typeof(string))
            {
                element = arguments[1];
                return ValueKind.Map;
            }
        }

        return t.IsClass && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) is not null ? ValueKind.Object : ValueKind.Unsupported;
    }

    public static IReadOnlyList<string> EnumNames(Type enumType) => [.. Enum.GetNames(enumType).Select(SnakeCase)];
}

public enum ValueKind
{
    String,
    Bool,
    Integer,
    Number,
    Duration,
    Enum,
    List,
    Map,
    Object,
    Unsupported,
}

public sealed record ConfigProperty(string Key, PropertyInfo Property, bool Required, bool Nullable, string? Description)
{
    /// <summary>Older names of this key, still accepted with a warning.</summary>
    public IReadOnlyList<string> FormerKeys { get; init; } = [];

    /// <summary>The config's <see cref="InlineKeysAttribute"/> property whose object holds this key; null for the config's own keys.</summary>
    public PropertyInfo? Owner { get; init; }

    public object? GetValue(object config) => Property.GetValue(Holder(config));

    public void SetValue(object config, object? value) => Property.SetValue(Holder(config), value);

    private object Holder(object config) =>
        Owner is null ? config : Owner.GetValue(config) ?? throw new InvalidOperationException($"{Owner.DeclaringType?.Name}.{Owner.Name} has no initial instance");
}
