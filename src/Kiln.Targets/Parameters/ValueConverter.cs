using System.Globalization;
using System.Text.RegularExpressions;

namespace Kiln.Targets;

/// <summary>Turns option values into a parameter's type: text, numbers, bools, enums, durations, lists and key=value maps.</summary>
internal static partial class ValueConverter
{
    public static object? Convert(Type type, IReadOnlyList<string> values, string optionName, bool isSecret)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (ElementType(target) is { } element)
        {
            var list = Array.CreateInstance(element, values.Count);
            for (var i = 0; i < values.Count; i++)
            {
                list.SetValue(ConvertOne(element, values[i], optionName, isSecret), i);
            }

            return target.IsArray || target.IsInterface ? list : Activator.CreateInstance(target, list);
        }
        if (IsMap(target))
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var value in values)
            {
                var equals = value.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw Invalid(optionName, value, isSecret, "key=value");
                }

                map[value[..equals]] = value[(equals + 1)..];
            }
            return map;
        }
        if (target == typeof(bool) && values.Count == 0)
        {
            return true;
        }

        if (values.Count == 0)
        {
            throw new UsageException($"{optionName} needs a value.", $"Write {optionName} <{Describe(type)}>.");
        }

        if (values.Count > 1)
        {
            throw new UsageException($"{optionName} takes one value but was given {values.Count}.", "Quote a value that contains spaces; only list parameters take several.");
        }

        return ConvertOne(target, values[0], optionName, isSecret);
    }

    public static bool IsList(Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        return ElementType(target) is not null || IsMap(target);
    }

    /// <summary>How a type reads in --help.</summary>
    public static string Describe(Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (ElementType(target) is { } element)
        {
            return Describe(element) + "...";
        }

        if (IsMap(target))
        {
            return "key=value...";
        }

        if (target.IsEnum)
        {
            return string.Join('|', Enum.GetNames(target).Select(Names.Kebab));
        }

        return target switch
        {
            _ when target == typeof(bool) => "bool",
            _ when target == typeof(int) || target == typeof(long) => "int",
            _ when target == typeof(double) => "number",
            _ when target == typeof(TimeSpan) => "duration",
            _ => "string",
        };
    }

    private static object ConvertOne(Type type, string value, string optionName, bool isSecret)
    {
        if (type == typeof(string))
        {
            return value;
        }

        if (type == typeof(bool))
        {
            return value.ToUpperInvariant() switch
            {
                "TRUE" or "1" or "YES" or "ON" => true,
                "FALSE" or "0" or "NO" or "OFF" => false,
                _ => throw Invalid(optionName, value, isSecret, "true or false"),
            };
        }
        if (type == typeof(int))
        {
            return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : throw Invalid(optionName, value, isSecret, "a whole number");
        }

        if (type == typeof(long))
        {
            return long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : throw Invalid(optionName, value, isSecret, "a whole number");
        }

        if (type == typeof(double))
        {
            return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : throw Invalid(optionName, value, isSecret, "a number");
        }

        if (type == typeof(TimeSpan))
        {
            return ParseDuration(value) ?? throw Invalid(optionName, value, isSecret, "a duration such as 30s, 5m or 1h30m");
        }

        if (type.IsEnum)
        {
            var wanted = Names.Normalize(value);
            foreach (var name in Enum.GetNames(type))
            {
                if (Names.Normalize(name) == wanted)
                {
                    return Enum.Parse(type, name);
                }
            }
            throw Invalid(optionName, value, isSecret, string.Join(", ", Enum.GetNames(type).Select(Names.Kebab)));
        }
        throw new UsageException($"{optionName} has the type {type.Name}, which parameters do not support.", "Use string, bool, int, long, double, TimeSpan, an enum, or a list of them.");
    }

    private static TimeSpan? ParseDuration(string value)
    {
        var match = DurationPattern().Match(value.Trim());
        if (match.Success && match.Length > 0)
        {
            double Part(string group) => match.Groups[group].Success ? double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
            return TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) + TimeSpan.FromSeconds(Part("s")) + TimeSpan.FromMilliseconds(Part("ms"));
        }
        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) ? span : null;
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!type.IsGenericType || type.GetGenericArguments().Length != 1)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(IReadOnlyList<>) || definition == typeof(IEnumerable<>) || definition == typeof(IReadOnlyCollection<>)
            || definition == typeof(List<>) || definition == typeof(IList<>)
            ? type.GetGenericArguments()[0]
            : null;
    }

    private static bool IsMap(Type type) =>
        type == typeof(Dictionary<string, string>) || type == typeof(IReadOnlyDictionary<string, string>) || type == typeof(IDictionary<string, string>);

    private static UsageException Invalid(string optionName, string value, bool isSecret, string expected) =>
        new(isSecret ? $"{optionName} has an invalid value." : $"{optionName}: '{value}' is not valid.", $"Expected {expected}.");

    [GeneratedRegex(@"^(?:(?<h>\d+(?:\.\d+)?)h)?(?:(?<m>\d+(?:\.\d+)?)m(?!s))?(?:(?<s>\d+(?:\.\d+)?)s)?(?:(?<ms>\d+)ms)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
