using System.Text.RegularExpressions;
using Kiln.Definitions.Yaml;
using Kiln.Diagnostics;

namespace Kiln.Definitions;

/// <summary>
/// Turns a definition file's YAML into an <see cref="ImageDefinition"/>, reporting every unknown key, wrong shape
/// and unknown plugin type it finds (not only the first). Plugin bodies are bound later, with values.
/// </summary>
internal sealed partial class DefinitionReader(string filePath, IPluginTypes plugins, List<KilnDiagnostic> diagnostics)
{
    public static readonly IReadOnlyList<string> TopLevelKeys =
        ["name", "description", "depends_on", "variables", "locals", "sources", "provision", "verify", "publish"];

    private static readonly IReadOnlyList<string> VariableKeys = ["type", "default", "description", "sensitive", "validation"];
    private static readonly IReadOnlyList<string> ValidationKeys = ["min", "max", "pattern", "allowed", "error_message"];

    /// <summary>The convention for definition files; anything else in a directory is ignored.</summary>
    public static readonly IReadOnlyList<string> FileSuffixes = [".kiln.yaml", ".kiln.yml"];

    public ImageDefinition? Read(YamlNode root)
    {
        if (root is not YamlMap map)
        {
            Error(root, $"a definition must be a mapping of keys, but this is {root.Describe()}",
                "Start the file with `name:` and `sources:`.");
            return null;
        }

        CheckKeys(map, TopLevelKeys, "top-level key");
        var name = OptionalString(map, "name") ?? NameFromFile();
        if (!ImageName().IsMatch(name))
        {
            Error(map["name"] ?? map, $"'{YamlReader.Shorten(name)}' is not a valid image name",
                "Use lowercase letters, digits, '-' and '_', starting with a letter or digit.");
        }

        var definition = new ImageDefinition
        {
            Name = name,
            Description = OptionalString(map, "description"),
            FilePath = filePath,
            Location = map.Location,
            DependsOn = ReadNames(map["depends_on"], "depends_on"),
            Variables = ReadVariables(map["variables"]),
            Locals = ReadLocals(map["locals"]),
            Sources = ReadSources(map["sources"], map),
            Provision = ReadPlugins(map["provision"], "provision", plugins.ProvisionerConfigTypes.Keys, "provisioner"),
            Verify = ReadPlugins(map["verify"], "verify", plugins.ProvisionerConfigTypes.Keys, "provisioner"),
            Publish = ReadPublish(map["publish"]),
        };
        return definition;
    }

    private string NameFromFile()
    {
        var file = Path.GetFileName(filePath);
        var suffix = FileSuffixes.FirstOrDefault(s => file.EndsWith(s, StringComparison.OrdinalIgnoreCase));
        return suffix is null ? Path.GetFileNameWithoutExtension(file) : file[..^suffix.Length];
    }

    private List<NamedReference> ReadNames(YamlNode? node, string key)
    {
        var names = new List<NamedReference>();
        if (node is null or YamlScalar { IsNull: true })
        {
            return names;
        }

        if (node is not YamlList list)
        {
            Error(node, $"'{key}' must be a list of names, but this is {node.Describe()}", $"Write `{key}: [name, other]`.");
            return names;
        }

        foreach (var item in list.Items)
        {
            if (item is YamlScalar { IsNull: false } scalar)
            {
                names.Add(new NamedReference(scalar.Value, scalar.Location));
            }
            else
            {
                Error(item, $"each entry of '{key}' must be a name, but this is {item.Describe()}");
            }
        }

        return names;
    }

    private List<VariableDefinition> ReadVariables(YamlNode? node)
    {
        var variables = new List<VariableDefinition>();
        foreach (var (key, body) in Entries(node, "variables"))
        {
            if (!Identifier().IsMatch(key.Value))
            {
                Error(key, $"'{YamlReader.Shorten(key.Value)}' is not a valid variable name",
                    "Use letters, digits and '_', starting with a letter or '_' (it is also read from KILN_VAR_<name>).");
                continue;
            }

            if (body is YamlScalar { IsNull: true })
            {
                variables.Add(new VariableDefinition { Name = key.Value, Location = key.Location });
                continue;
            }

            if (body is not YamlMap map)
            {
                Error(body, $"variable '{key.Value}' must be a mapping, but this is {body.Describe()}",
                    $"Write `{key.Value}: {{ type: string, default: \"...\" }}`.");
                continue;
            }

            CheckKeys(map, VariableKeys, "variable key");
            var type = VariableType.String;
            if (map["type"] is { } typeNode)
            {
                var typeName = String(typeNode, "type");
                var types = Enum.GetValues<VariableType>().Select(t => t.ToString().ToLowerInvariant()).ToList();
                if (typeName is not null && (typeName != typeName.ToLowerInvariant() || !Enum.TryParse(typeName, ignoreCase: true, out type)))
                {
                    Error(typeNode, $"unknown variable type '{YamlReader.Shorten(typeName ?? "")}'", Suggestions.Hint(typeName ?? "", types, "types"));
                }
            }

            variables.Add(new VariableDefinition
            {
                Name = key.Value,
                Type = type,
                Default = map["default"] is YamlScalar { IsNull: true } ? null : map["default"],
                Description = OptionalString(map, "description"),
                Sensitive = map["sensitive"] is { } sensitive && Bool(sensitive, "sensitive"),
                Validation = ReadValidation(map["validation"]),
                Location = key.Location,
            });
        }

        return variables;
    }

    private VariableValidation? ReadValidation(YamlNode? node)
    {
        if (node is null or YamlScalar { IsNull: true })
        {
            return null;
        }

        if (node is not YamlMap map)
        {
            Error(node, $"'validation' must be a mapping, but this is {node.Describe()}", "Write `validation: { min: 1, max: 16 }`.");
            return null;
        }

        CheckKeys(map, ValidationKeys, "validation key");
        var pattern = OptionalString(map, "pattern");
        if (pattern is not null)
        {
            try
            {
                _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                Error(map["pattern"]!, $"invalid regular expression: {e.Message}");
                pattern = null;
            }
        }

        return new VariableValidation
        {
            Min = map["min"] is { } min ? Number(min, "min") : null,
            Max = map["max"] is { } max ? Number(max, "max") : null,
            Pattern = pattern,
            Allowed = ReadNames(map["allowed"], "allowed").Select(n => n.Name).ToList(),
            ErrorMessage = OptionalString(map, "error_message"),
        };
    }

    private List<LocalDefinition> ReadLocals(YamlNode? node)
    {
        var locals = new List<LocalDefinition>();
        foreach (var (key, body) in Entries(node, "locals"))
        {
            if (!Identifier().IsMatch(key.Value))
            {
                Error(key, $"'{YamlReader.Shorten(key.Value)}' is not a valid local name", "Use letters, digits and '_', starting with a letter or '_'.");
                continue;
            }

            locals.Add(new LocalDefinition(key.Value, body, key.Location));
        }

        return locals;
    }

    private List<SourceDefinition> ReadSources(YamlNode? node, YamlMap root)
    {
        var sources = new List<SourceDefinition>();
        if (node is null)
        {
            Error(root, "the definition has no 'sources'", "Add `sources:` with one entry per platform, e.g. `local: { type: qemu, ... }`.");
            return sources;
        }

        foreach (var (key, body) in Entries(node, "sources"))
        {
            if (!ImageName().IsMatch(key.Value))
            {
                Error(key, $"'{YamlReader.Shorten(key.Value)}' is not a valid source name", "Use lowercase letters, digits, '-' and '_'.");
                continue;
            }

            if (body is not YamlMap map)
            {
                Error(body, $"source '{key.Value}' must be a mapping, but this is {body.Describe()}", $"Write `{key.Value}: {{ type: qemu, ... }}`.");
                continue;
            }

            var typeNode = map["type"];
            if (typeNode is null)
            {
                Error(key, $"source '{key.Value}' has no 'type'", BuilderHint());
                continue;
            }

            var type = String(typeNode, "type");
            if (type is null)
            {
                continue;
            }

            if (!plugins.SourceConfigTypes.ContainsKey(type))
            {
                Error(typeNode, $"unknown builder type '{YamlReader.Shorten(type)}'", Suggestions.Hint(type, [.. plugins.SourceConfigTypes.Keys], "builder types"));
                continue;
            }

            var body2 = new YamlMap([.. map.Entries.Where(e => e.Key.Value != "type")], map.Location);
            sources.Add(new SourceDefinition(key.Value, type, body2, key.Location));
        }

        if (node is YamlMap { Entries.Count: 0 })
        {
            Error(node, "'sources' is empty", BuilderHint());
        }

        return sources;
    }

    private string BuilderHint() =>
        plugins.SourceConfigTypes.Count == 0 ? "No builder is installed." : $"Builder types: {string.Join(", ", plugins.SourceConfigTypes.Keys.Order(StringComparer.Ordinal))}.";

    private List<PluginEntry> ReadPlugins(YamlNode? node, string key, IEnumerable<string> known, string what)
    {
        var entries = new List<PluginEntry>();
        if (node is null or YamlScalar { IsNull: true })
        {
            return entries;
        }

        if (node is not YamlList list)
        {
            Error(node, $"'{key}' must be a list, but this is {node.Describe()}", $"Write each {what} as a list item: `- shell: {{ inline: [...] }}`.");
            return entries;
        }

        var types = known.ToList();
        foreach (var item in list.Items)
        {
            if (ReadPlugin(item, key, types, what) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    private PluginEntry? ReadPlugin(YamlNode item, string key, IReadOnlyCollection<string> types, string what)
    {
        if (item is not YamlMap { Entries.Count: 1 } map)
        {
            Error(item, $"each item of '{key}' must be a mapping with a single key naming the {what}, but this is " +
                        (item is YamlMap m ? $"a mapping with {m.Entries.Count} keys" : item.Describe()),
                $"Write `- shell: {{ ... }}`; {what}s here: {string.Join(", ", types.Order(StringComparer.Ordinal))}.");
            return null;
        }

        var (typeKey, body) = map.Entries[0];
        if (!types.Contains(typeKey.Value))
        {
            Error(typeKey, $"unknown {what} '{YamlReader.Shorten(typeKey.Value)}'", Suggestions.Hint(typeKey.Value, types, $"{what}s"));
            return null;
        }

        if (body is not (YamlMap or YamlScalar { IsNull: true }))
        {
            Error(body, $"the settings of '{typeKey.Value}' must be a mapping, but this is {body.Describe()}", $"Write `- {typeKey.Value}: {{ ... }}`.");
            return null;
        }

        return new PluginEntry(typeKey.Value, body, typeKey.Location);
    }

    private List<IReadOnlyList<PluginEntry>> ReadPublish(YamlNode? node)
    {
        var chains = new List<IReadOnlyList<PluginEntry>>();
        if (node is null or YamlScalar { IsNull: true })
        {
            return chains;
        }

        if (node is not YamlList list)
        {
            Error(node, $"'publish' must be a list, but this is {node.Describe()}", "Write each publisher as a list item: `- manifest: {}`.");
            return chains;
        }

        var types = plugins.PublisherConfigTypes.Keys.ToList();
        foreach (var item in list.Items)
        {
            if (item is YamlList chain)
            {
                var entries = chain.Items.Select(i => ReadPlugin(i, "publish", types, "publisher")).OfType<PluginEntry>().ToList();
                if (chain.Items.Count == 0)
                {
                    Error(chain, "a publish chain is empty", "A chain lists publishers that each take the previous one's artifacts.");
                }

                chains.Add(entries);
            }
            else if (ReadPlugin(item, "publish", types, "publisher") is { } entry)
            {
                chains.Add([entry]);
            }
        }

        return chains;
    }

    private IEnumerable<KeyValuePair<YamlScalar, YamlNode>> Entries(YamlNode? node, string key)
    {
        if (node is null or YamlScalar { IsNull: true })
        {
            return [];
        }

        if (node is YamlMap map)
        {
            return map.Entries;
        }

        Error(node, $"'{key}' must be a mapping, but this is {node.Describe()}");
        return [];
    }

    private void CheckKeys(YamlMap map, IReadOnlyList<string> known, string what)
    {
        foreach (var key in map.Entries.Select(e => e.Key).Where(k => !known.Contains(k.Value)))
        {
            Error(key, $"unknown {what} '{YamlReader.Shorten(key.Value)}'", Suggestions.Hint(key.Value, known, $"{what}s"));
        }
    }

    private string? OptionalString(YamlMap map, string key) =>
        map[key] is { } node and not YamlScalar { IsNull: true } ? String(node, key) : null;

    private string? String(YamlNode node, string key)
    {
        if (node is YamlScalar { IsNull: false } scalar)
        {
            return scalar.Value;
        }

        Error(node, $"'{key}' must be a string, but this is {node.Describe()}");
        return null;
    }

    private bool Bool(YamlNode node, string key)
    {
        if (node is YamlScalar scalar && ScalarConversions.TryBool(scalar.Value, out var value))
        {
            return value;
        }

        Error(node, $"'{key}' must be true or false");
        return false;
    }

    private double? Number(YamlNode node, string key)
    {
        if (node is YamlScalar scalar && ScalarConversions.TryNumber(scalar.Value, out var value))
        {
            return value;
        }

        Error(node, $"'{key}' must be a number");
        return null;
    }

    private void Error(YamlNode node, string message, string? hint = null) => diagnostics.Add(new KilnDiagnostic(node.Location, message, hint));

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex ImageName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    internal static partial Regex Identifier();
}
