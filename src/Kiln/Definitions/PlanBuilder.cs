using System.Collections;
using System.Globalization;
using Kiln.Diagnostics;
using Kiln.Model;
using Kiln.Secrets;

namespace Kiln.Definitions;

/// <summary>Describes a resolved image for the plan: settings in YAML terms, the builder's steps and temporary resources, secrets masked.</summary>
internal static class PlanBuilder
{
    public static ImagePlan Describe(ImageDefinition definition, ResolvedImage image, IPluginTypes plugins, IRedactor redactor)
    {
        var variables = definition.Variables
            .Select(v => new PlannedVariable(v.Name, v.Sensitive ? Redactor.Mask : redactor.Redact(image.Variables[v.Name]), v.Sensitive))
            .ToList();
        var sources = image.Sources.Select(source =>
        {
            IReadOnlyList<PlannedStep> steps;
            IReadOnlyList<string> resources;
            try
            {
                var described = plugins.DescribeSource(source);
                (steps, resources) = (described.Steps, described.TemporaryResources);
            }
            catch (Exception e) when (e is not KilnException)
            {
                throw new KilnException($"builder '{source.Type}' could not describe source '{source.Name}': {redactor.Redact(e.Message)}",
                    "This is a bug in the builder; please report it.", e);
            }

            return new SourcePlan(
                source.Name,
                source.Type,
                [.. Settings(source.Config, "").Select(s => KeyValuePair.Create(s.Key, redactor.Redact(s.Value)))],
                steps,
                [.. source.Provisioners.Select(p => p.Type)],
                [.. source.Verify.Select(p => p.Type)],
                [.. source.Publish.Select(c => (IReadOnlyList<string>)[.. c.Select(p => p.Type)])],
                [.. resources.Select(redactor.Redact)]);
        }).ToList();

        return new ImagePlan(image.Name, image.Description, image.FilePath, image.DependsOn, variables, sources);
    }

    /// <summary>A config's values as "key: value" lines, nested keys dotted, in the YAML names users wrote.</summary>
    internal static IEnumerable<KeyValuePair<string, string>> Settings(object config, string prefix)
    {
        foreach (var property in ConfigModel.For(config.GetType()).Properties)
        {
            var key = prefix + property.Key;
            var value = property.Property.GetValue(config);
            switch (value)
            {
                case null:
                    continue;
                case string or bool or int or long or double or TimeSpan or Enum:
                    yield return KeyValuePair.Create(key, Format(value));
                    break;
                case IDictionary dictionary:
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        yield return KeyValuePair.Create($"{key}.{entry.Key}", entry.Value is null ? "" : Format(entry.Value));
                    }

                    break;
                case IEnumerable list:
                    var items = list.Cast<object>().ToList();
                    if (items.Count > 0 && items.All(IsScalar))
                    {
                        yield return KeyValuePair.Create(key, "[" + string.Join(", ", items.Select(Format)) + "]");
                    }
                    else
                    {
                        for (var i = 0; i < items.Count; i++)
                        {
                            foreach (var nested in Settings(items[i], $"{key}[{i}]."))
                            {
                                yield return nested;
                            }
                        }
                    }

                    break;
                default:
                    foreach (var nested in Settings(value, key + "."))
                    {
                        yield return nested;
                    }

                    break;
            }
        }
    }

    private static bool IsScalar(object value) => value is string or bool or int or long or double or TimeSpan or Enum;

    /// <summary>A scalar as a definition writes it: durations as 5m, enumerations in snake_case.</summary>
    internal static string Format(object value) => value switch
    {
        string text => text,
        bool flag => flag ? "true" : "false",
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        TimeSpan duration => FormatDuration(duration),
        Enum member => ConfigModel.SnakeCase(member.ToString()),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.GetType().Name,
    };

    private static string FormatDuration(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }

        var parts = new List<string>();
        if (duration.Days > 0)
        {
            parts.Add($"{duration.Days}d");
        }

        if (duration.Hours > 0)
        {
            parts.Add($"{duration.Hours}h");
        }

        if (duration.Minutes > 0)
        {
            parts.Add($"{duration.Minutes}m");
        }

        if (duration.Seconds > 0)
        {
            parts.Add($"{duration.Seconds}s");
        }

        if (duration.Milliseconds > 0)
        {
            parts.Add($"{duration.Milliseconds}ms");
        }

        return string.Concat(parts);
    }
}
