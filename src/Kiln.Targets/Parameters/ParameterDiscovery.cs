using System.Reflection;

namespace Kiln.Targets;

/// <summary>Finds [Parameter] fields and properties on the build class, its bases and the components it implements.</summary>
internal static class ParameterDiscovery
{
    private const BindingFlags Members = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    public static IReadOnlyList<ParameterDescriptor> Discover(Type buildType)
    {
        var found = new List<ParameterDescriptor>();
        var keys = new Dictionary<string, ParameterDescriptor>(StringComparer.Ordinal);
        var types = Hierarchy(buildType).Concat(buildType.GetInterfaces());
        foreach (var type in types)
        {
            foreach (var member in type.GetMembers(Members))
            {
                if (member.GetCustomAttribute<ParameterAttribute>() is not { } attribute)
                {
                    continue;
                }

                var valueType = member switch
                {
                    FieldInfo field => field.FieldType,
                    PropertyInfo property => property.PropertyType,
                    _ => null,
                };
                if (valueType is null)
                {
                    continue;
                }

                var descriptor = new ParameterDescriptor(member, valueType, attribute, member.GetCustomAttribute<SecretAttribute>() is not null);
                if (keys.TryGetValue(descriptor.Key, out var existing))
                {
                    // An interface parameter implemented by a class property of the same name is one parameter.
                    if (existing.ValueType == valueType)
                    {
                        continue;
                    }

                    throw new UsageException(
                        $"Two parameters are both named '{descriptor.OptionName}': {existing.Member.DeclaringType?.Name}.{existing.MemberName} and {type.Name}.{descriptor.MemberName}.",
                        "Rename one of them.");
                }
                if (BuiltInOptions.IsReserved(descriptor.Key))
                {
                    throw new UsageException($"The parameter '{descriptor.MemberName}' uses the built-in option name '{descriptor.OptionName}'.", "Rename the parameter.");
                }

                keys[descriptor.Key] = descriptor;
                found.Add(descriptor);
            }
        }
        return found;
    }

    private static IEnumerable<Type> Hierarchy(Type type)
    {
        var chain = new Stack<Type>();
        for (var current = type; current is not null && current != typeof(KilnBuild) && current != typeof(object); current = current.BaseType)
        {
            chain.Push(current);
        }

        return chain;
    }
}
