using System.Collections;
using Kiln.Definitions.Yaml;
using Kiln.Diagnostics;

namespace Kiln.Definitions;

/// <summary>
/// Binds a YAML mapping to a plugin's config class after interpolation, so <c>cpus: "{{ var.cpus }}"</c> binds to
/// an int. Reports every unknown key (with did-you-mean), wrong type and missing required key at its place,
/// then runs the config's own <see cref="IValidatableConfig"/> rules and maps each problem to its key. A key's former
/// name (<see cref="FormerKeyAttribute"/>) binds too, and goes to <paramref name="warn"/> with its place.
/// </summary>
public sealed class ConfigBinder(Interpolator interpolator, List<KilnDiagnostic> diagnostics, Action<KilnDiagnostic>? warn = null)
{
    // Values whose problem was reported elsewhere (a broken local used here) fail without a diagnostic of their own.
    private int _silentFailures;

    // Key paths whose value is only known during a build (a dependency's output, build.output): not checked on disk.
    private readonly HashSet<string> _symbolicPaths = new(StringComparer.Ordinal);

    private int Problems => diagnostics.Count + _silentFailures;

    /// <summary>A config instance, or null when any problem was reported.</summary>
    public object? Bind(YamlNode body, Type type, string what)
    {
        var before = Problems;
        var map = body as YamlMap ?? new YamlMap([], body.Location);
        var result = BindObject(map, type, what, "");
        return Problems == before ? result : null;
    }

    private object? BindObject(YamlMap map, Type type, string what, string path)
    {
        var model = ConfigModel.For(type);
        var instance = Activator.CreateInstance(type)!;
        var failed = new HashSet<string>(StringComparer.Ordinal);
        var unset = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, node) in map.Entries)
        {
            var property = model.Find(key.Value);
            if (property is null && model.FindFormer(key.Value) is { } renamed)
            {
                if (!AcceptFormer(renamed, map, key, what))
                {
                    continue;
                }

                property = renamed;
            }

            if (property is null)
            {
                diagnostics.Add(new KilnDiagnostic(key.Location, $"unknown key '{YamlReader.Shorten(key.Value)}' in {what}",
                    PackerHint(type, key.Value, model) ?? Suggestions.Hint(key.Value, [.. model.Properties.Select(p => p.Key)], "keys")));
                continue;
            }

            var keyPath = path.Length == 0 ? property.Key : $"{path}.{property.Key}";
            if (node is YamlScalar { IsNull: true })
            {
                if (!property.Nullable)
                {
                    diagnostics.Add(new KilnDiagnostic(node.Location, $"'{keyPath}' in {what} needs a value", "Remove the key to use its default."));
                    failed.Add(property.Key);
                }

                unset.Add(property.Key);
                continue;
            }

            var (ok, value) = BindNode(node, property.Property.PropertyType, what, keyPath);
            if (ok)
            {
                property.SetValue(instance, value);
            }
            else
            {
                failed.Add(property.Key);
                unset.Add(property.Key);
            }
        }

        foreach (var missing in model.Properties.Where(p => p.Required && map[p.Key] is null && p.FormerKeys.All(k => map[k] is null)))
        {
            var keyPath = path.Length == 0 ? missing.Key : $"{path}.{missing.Key}";
            diagnostics.Add(new KilnDiagnostic(map.Location, $"{what} is missing the required key '{keyPath}'",
                missing.Description is null ? null : $"{missing.Key}: {missing.Description}"));
            unset.Add(missing.Key);
        }

        // The config's own rules still run when other keys are wrong (one pass shows every problem), but not on keys
        // that failed to bind (their defaults would be judged instead), nor when a required value is absent.
        var complete = !model.Properties.Any(p => p.Required && unset.Contains(p.Key));
        if (instance is IValidatableConfig validatable && complete)
        {
            Validate(validatable, map, what, failed);
        }

        if (instance is ILocalPaths local && complete && failed.Count == 0 && interpolator.ChecksLocalPaths)
        {
            var prefix = path.Length == 0 ? "" : path + ".";
            foreach (var problem in LocalPathCheck.Problems(local, interpolator.DefinitionDirectory, p => _symbolicPaths.Contains(prefix + p)))
            {
                diagnostics.Add(new KilnDiagnostic(Locate(map, problem.PropertyPath), $"{what}: {problem.Message}", problem.Hint));
            }
        }

        return instance;
    }

    /// <summary>A key's former name binds as the key, with a warning; an error when the new name is given too.</summary>
    private bool AcceptFormer(ConfigProperty renamed, YamlMap map, YamlScalar key, string what)
    {
        if (map.KeyOf(renamed.Key) is not null)
        {
            diagnostics.Add(new KilnDiagnostic(key.Location, $"'{key.Value}' in {what} is the former name of '{renamed.Key}', which is also given",
                $"Keep only `{renamed.Key}`."));
            return false;
        }

        warn?.Invoke(new KilnDiagnostic(key.Location, $"'{key.Value}' in {what} is deprecated: the key is now '{renamed.Key}'",
            $"Rename it to `{renamed.Key}`; the old name is still accepted for now."));
        return true;
    }

    /// <summary>A precise hint when an unknown key is Packer's name for one Kiln spells differently.</summary>
    private static string? PackerHint(Type type, string key, ConfigModel model)
    {
        PackerScope? scope = typeof(SourceConfig).IsAssignableFrom(type) ? PackerScope.Builder
            : typeof(ProvisionerConfig).IsAssignableFrom(type) ? PackerScope.Provisioner
            : typeof(PublisherConfig).IsAssignableFrom(type) ? PackerScope.PostProcessor
            : null;
        return scope is { } s ? PackerNames.KeyHint(s, key, k => model.Find(k) is not null) : null;
    }

    private void Validate(IValidatableConfig config, YamlMap map, string what, IReadOnlySet<string> failedKeys)
    {
        try
        {
            foreach (var problem in config.Validate().Where(p => !failedKeys.Contains(p.PropertyPath.Split('.', '[')[0])))
            {
                diagnostics.Add(new KilnDiagnostic(Locate(map, problem.PropertyPath), $"{what}: {problem.Message}", problem.Hint));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            diagnostics.Add(new KilnDiagnostic(map.Location, $"{what} could not be checked: {e.Message}"));
        }
    }

    /// <summary>The place of a key path ("base.image", "scripts[1]") inside a mapping; the nearest written ancestor when the key is absent.</summary>
    private static Diagnostics.SourceLocation Locate(YamlMap map, string propertyPath)
    {
        YamlNode current = map;
        foreach (var segment in propertyPath.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? segment : segment[..bracket];
            if (current is not YamlMap m || m.KeyOf(name) is not { } key)
            {
                break;
            }

            current = m[name]!;
            if (current is YamlScalar { IsNull: true })
            {
                return key.Location;
            }

            if (bracket >= 0 && current is YamlList list
                && int.TryParse(segment[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture, out var index) && index < list.Items.Count)
            {
                current = list.Items[index];
            }

            if (current is YamlScalar or YamlList)
            {
                return current.Location;
            }
        }

        return current.Location;
    }

    private (bool Ok, object? Value) BindNode(YamlNode node, Type type, string what, string path)
    {
        var kind = ConfigModel.KindOf(type, out var element);
        switch (node)
        {
            case YamlScalar scalar:
            {
                var value = interpolator.Interpolate(scalar);
                if (value is null)
                {
                    _silentFailures++;
                    return (false, null);
                }

                return Convert(value, type, scalar, what, path);
            }

            case YamlList list when kind == ValueKind.List:
            {
                var items = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
                var ok = true;
                for (var i = 0; i < list.Items.Count; i++)
                {
                    var (itemOk, item) = list.Items[i] is YamlScalar { IsNull: true }
                        ? Fail(list.Items[i], $"'{path}[{i}]' in {what} is empty")
                        : BindNode(list.Items[i], element, what, $"{path}[{i}]");
                    ok &= itemOk;
                    if (itemOk)
                    {
                        items.Add(item);
                    }
                }

                return (ok, items);
            }

            case YamlMap map when kind == ValueKind.Map:
            {
                var entries = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), element), StringComparer.Ordinal)!;
                var ok = true;
                foreach (var (key, value) in map.Entries)
                {
                    var (entryOk, item) = value is YamlScalar { IsNull: true }
                        ? Fail(value, $"'{path}.{key.Value}' in {what} is empty")
                        : BindNode(value, element, what, $"{path}.{key.Value}");
                    ok &= entryOk;
                    if (entryOk)
                    {
                        entries[key.Value] = item;
                    }
                }

                return (ok, entries);
            }

            case YamlMap map when kind == ValueKind.Object:
            {
                var before = Problems;
                var value = BindObject(map, element, what, path);
                return (Problems == before, value);
            }

            default:
                return Fail(node, $"'{path}' in {what} must be {Expected(kind, element)}, but this is {node.Describe()}");
        }
    }

    private (bool Ok, object? Value) Convert(Value value, Type type, YamlScalar at, string what, string path)
    {
        var kind = ConfigModel.KindOf(type, out var element);
        var text = value is TextValue or NumberValue or BoolValue ? value.ToText() : null;
        object? result = kind switch
        {
            ValueKind.String when text is not null => text,
            ValueKind.Bool when value is BoolValue b => b.Flag,
            ValueKind.Bool when text is not null && ScalarConversions.TryBool(text, out var flag) => flag,
            ValueKind.Integer when text is not null && ScalarConversions.TryInteger(text, out var number) =>
                element == typeof(int) ? number is >= int.MinValue and <= int.MaxValue ? (int)number : null : number,
            ValueKind.Number when text is not null && ScalarConversions.TryNumber(text, out var real) => real,
            ValueKind.Duration when text is not null && ScalarConversions.TryDuration(text, out var duration) => duration,
            ValueKind.Enum when text is not null => EnumValue(element, text),
            ValueKind.List when value is ListValue list => ConvertList(list, element, at, what, path),
            ValueKind.Map when value is MapValue map => ConvertMap(map, element, at, what, path),
            _ => null,
        };

        if (result is Failed)
        {
            return (false, null);
        }

        if (value.Symbolic)
        {
            _symbolicPaths.Add(path);
        }

        if (result is not null)
        {
            return (true, result);
        }

        // A placeholder for a build-time value cannot be checked before the build; the build checks it.
        if (value.Symbolic)
        {
            return (true, type.IsValueType ? Activator.CreateInstance(element) : null);
        }

        var shown = value.Sensitive ? "a sensitive value" : $"'{YamlReader.Shorten(value.ToText())}'";
        var hint = kind == ValueKind.Enum ? Suggestions.Hint(text ?? "", ConfigModel.EnumNames(element), "values")
            : kind == ValueKind.Duration ? "Write durations like 30s, 5m, 1h30m or 500ms."
            : null;
        return Fail(at, $"'{path}' in {what} must be {Expected(kind, element)}, but it is {shown}", hint);
    }

    private object ConvertList(ListValue list, Type element, YamlScalar at, string what, string path)
    {
        var items = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
        for (var i = 0; i < list.Items.Count; i++)
        {
            var (ok, item) = Convert(list.Items[i], element, at, what, $"{path}[{i}]");
            if (!ok)
            {
                return Failed.Instance;
            }

            items.Add(item);
        }

        return items;
    }

    private object ConvertMap(MapValue map, Type element, YamlScalar at, string what, string path)
    {
        var entries = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), element), StringComparer.Ordinal)!;
        foreach (var (key, value) in map.Entries)
        {
            var (ok, item) = Convert(value, element, at, what, $"{path}.{key}");
            if (!ok)
            {
                return Failed.Instance;
            }

            entries[key] = item;
        }

        return entries;
    }

    private static object? EnumValue(Type enumType, string text)
    {
        foreach (var name in Enum.GetNames(enumType))
        {
            if (ConfigModel.SnakeCase(name) == text)
            {
                return Enum.Parse(enumType, name);
            }
        }

        return null;
    }

    private (bool, object?) Fail(YamlNode at, string message, string? hint = null) => Fail(at.Location, message, hint);

    private (bool, object?) Fail(Diagnostics.SourceLocation at, string message, string? hint = null)
    {
        diagnostics.Add(new KilnDiagnostic(at, message, hint));
        return (false, null);
    }

    private static string Expected(ValueKind kind, Type element) => kind switch
    {
        ValueKind.String => "a string",
        ValueKind.Bool => "true or false",
        ValueKind.Integer => element == typeof(int) ? "an integer" : "a (long) integer",
        ValueKind.Number => "a number",
        ValueKind.Duration => "a duration",
        ValueKind.Enum => "one of " + string.Join(", ", ConfigModel.EnumNames(element)),
        ValueKind.List => "a list",
        ValueKind.Map => "a mapping",
        ValueKind.Object => "a mapping",
        _ => $"a {element.Name} (which Kiln cannot bind: a bug in the plugin)",
    };

    private sealed class Failed
    {
        public static readonly Failed Instance = new();
    }
}
