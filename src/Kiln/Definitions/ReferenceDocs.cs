using System.Collections;
using System.Text;

namespace Kiln.Definitions;

/// <summary>
/// The reference pages under docs/reference/, generated from the plugin config classes with the same
/// <see cref="ConfigModel"/> the binder and the schema use: one page per builder, provisioner and publisher with
/// every key, its type, default and description, and an example. A test keeps the committed pages current.
/// </summary>
public static class ReferenceDocs
{
    /// <summary>Every page, by its path relative to docs/reference/ (forward slashes), with its Markdown.</summary>
    public static IReadOnlyDictionary<string, string> Generate(IPluginTypes plugins)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        var kinds = new (string Folder, string Title, IReadOnlyDictionary<string, Type> Plugins)[]
        {
            ("builders", "Builders (`sources`)", plugins.SourceConfigTypes),
            ("provisioners", "Provisioners (`provision`, `verify`)", plugins.ProvisionerConfigTypes),
            ("publishers", "Publishers (`publish`)", plugins.PublisherConfigTypes),
        };
        var pages = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var index = new StringBuilder();
        index.Append("# Plugin reference\n\n");
        index.Append("Generated from Kiln's plugin config classes (`ReferenceDocs`); do not edit by hand. A test fails when these\n");
        index.Append("pages are stale: regenerate them with `KILN_UPDATE_DOCS=1 dotnet test --project tests/Kiln.Tests/Kiln.Tests.csproj\n");
        index.Append("--filter \"FullyQualifiedName~ReferenceDocsTests\"`. The definition format itself is in\n");
        index.Append("[../definitions.md](../definitions.md).\n");
        foreach (var (folder, title, configTypes) in kinds)
        {
            index.Append($"\n## {title}\n\n");
            foreach (var (type, configType) in configTypes.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var model = ConfigModel.For(configType);
                pages[$"{folder}/{type}.md"] = Page(folder, type, model);
                index.Append($"- [`{type}`]({folder}/{type}.md): {FirstSentence(model.Description)}\n");
            }
        }

        pages["README.md"] = index.ToString();
        return pages;
    }

    private static string Page(string folder, string type, ConfigModel model)
    {
        var page = new StringBuilder();
        var kind = folder[..^1];
        page.Append($"# `{type}` {kind}\n\n");
        page.Append("<!-- Generated from ").Append(model.Type.FullName).Append(" by ReferenceDocs; do not edit by hand. -->\n\n");
        if (model.Description is not null)
        {
            page.Append(model.Description).Append("\n\n");
        }

        page.Append("## Example\n\n```yaml\n").Append(Example(folder, type, model)).Append("```\n\n");
        var nested = new List<Type>();
        Keys(page, "Keys", model, nested);
        for (var i = 0; i < nested.Count; i++)
        {
            Keys(page, $"`{nested[i].Name}`", ConfigModel.For(nested[i]), nested);
        }

        page.Append("[All plugins](../README.md)\n");
        return page.ToString();
    }

    private static void Keys(StringBuilder page, string heading, ConfigModel model, List<Type> nested)
    {
        page.Append($"## {heading}\n\n");
        if (heading != "Keys" && model.Description is not null)
        {
            page.Append(model.Description).Append("\n\n");
        }

        page.Append("| key | type | default | description |\n|---|---|---|---|\n");
        var defaults = Defaults(model.Type);
        foreach (var property in model.Properties)
        {
            var typeName = TypeName(property.Property.PropertyType, nested);
            var value = property.Required ? "required" : defaults is null ? "" : DefaultText(property.GetValue(defaults));
            page.Append($"| `{property.Key}` | {typeName} | {value} | {Cell(property.Description ?? "")}{Formerly(property)} |\n");
        }

        page.Append('\n');
    }

    private static string Formerly(ConfigProperty property) =>
        property.FormerKeys.Count == 0 ? "" : $" (Formerly {string.Join(", ", property.FormerKeys.Select(k => $"`{k}`"))}: still accepted, with a warning.)";

    /// <summary>The required keys with a value of their type, then every other key commented out at its default.</summary>
    private static string Example(string folder, string type, ConfigModel model)
    {
        var defaults = Defaults(model.Type);
        var lines = new List<string>();
        string indent;
        switch (folder)
        {
            case "builders":
                lines.Add("sources:");
                lines.Add("  example:");
                lines.Add($"    type: {type}");
                indent = "    ";
                break;
            case "provisioners":
                lines.Add("provision:");
                lines.Add($"  - {type}:");
                indent = "      ";
                break;
            default:
                lines.Add("publish:");
                lines.Add($"  - {type}:");
                indent = "      ";
                break;
        }

        foreach (var property in model.Properties.Where(p => p.Required))
        {
            lines.Add($"{indent}{property.Key}: {Placeholder(property)}");
        }

        foreach (var property in model.Properties.Where(p => !p.Required))
        {
            var value = defaults is null ? null : property.GetValue(defaults);
            lines.Add($"{indent}# {property.Key}: {(value is null || DefaultText(value).Length == 0 ? Placeholder(property) : ExampleValue(value))}");
        }

        if (lines[^1].EndsWith(':'))
        {
            lines[^1] += " {}";
        }

        return string.Join('\n', lines) + "\n";
    }

    private static object? Defaults(Type type)
    {
        try
        {
            return Activator.CreateInstance(type);
        }
        catch (MissingMethodException)
        {
            return null;
        }
    }

    private static string Placeholder(ConfigProperty property)
    {
        var kind = ConfigModel.KindOf(property.Property.PropertyType, out var element);
        return kind switch
        {
            ValueKind.Bool => "true",
            ValueKind.Integer => "1",
            ValueKind.Number => "1.5",
            ValueKind.Duration => "5m",
            ValueKind.Enum => ConfigModel.EnumNames(element)[0],
            ValueKind.List => "[]",
            ValueKind.Map or ValueKind.Object => "{}",
            _ => $"<{property.Key}>",
        };
    }

    private static string ExampleValue(object value) => value switch
    {
        string text => Quote(text),
        IDictionary dictionary => "{ " + string.Join(", ", dictionary.Keys.Cast<object>().Select(k => $"{k}: {ExampleValue(dictionary[k]!)}")) + " }",
        IEnumerable sequence => "[" + string.Join(", ", sequence.Cast<object>().Select(ExampleValue)) + "]",
        _ when IsScalar(value) => PlanBuilder.Format(value),
        _ => "{}",
    };

    private static string DefaultText(object? value) => value switch
    {
        null => "",
        string { Length: 0 } => "`\"\"`",
        IDictionary { Count: 0 } or ICollection { Count: 0 } => "",
        IEnumerable and not string => $"`{ExampleValue(value)}`",
        _ when IsScalar(value) => $"`{(value is string text ? Quote(text) : PlanBuilder.Format(value))}`",
        _ => "",
    };

    private static bool IsScalar(object value) => value is string or bool or int or long or double or TimeSpan or Enum;

    private static string Quote(string text) =>
        text.Length > 0 && text.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/') && !char.IsDigit(text[0]) ? text : $"\"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";

    private static string TypeName(Type type, List<Type> nested)
    {
        var kind = ConfigModel.KindOf(type, out var element);
        switch (kind)
        {
            case ValueKind.Enum:
                return "one of " + string.Join(", ", ConfigModel.EnumNames(element).Select(n => $"`{n}`"));
            case ValueKind.List:
                return "list of " + TypeName(element, nested);
            case ValueKind.Map:
                return "map of " + TypeName(element, nested);
            case ValueKind.Object:
                if (!nested.Contains(element))
                {
                    nested.Add(element);
                }

                return $"[`{element.Name}`](#{element.Name.ToLowerInvariant()})";
            default:
                return kind.ToString().ToLowerInvariant();
        }
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static string FirstSentence(string? description)
    {
        if (string.IsNullOrWhiteSpace(description))
        {
            return "";
        }

        var end = description.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? description : description[..(end + 1)];
    }
}
