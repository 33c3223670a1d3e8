using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kiln.Definitions;

/// <summary>
/// The JSON Schema of definition files, generated from the plugin config classes with the same
/// <see cref="ConfigModel"/> the binder uses: sources discriminated by <c>type</c>, one single-key item per
/// provisioner and publisher, no unknown keys, descriptions and enums. Editors use it through the
/// <c># yaml-language-server: $schema=kiln.schema.json</c> line; <c>templates/kiln.schema.json</c> is generated.
/// </summary>
public static class SchemaGenerator
{
    private const string Interpolation = "#/definitions/interpolation";

    public static string GenerateText(IPluginTypes plugins) =>
        Generate(plugins).ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).ReplaceLineEndings("\n") + "\n";

    public static JsonObject Generate(IPluginTypes plugins)
    {
        var definitions = new JsonObject
        {
            ["interpolation"] = new JsonObject
            {
                ["description"] = "A value computed when the definition is loaded or built, e.g. \"{{ var.cpus }}\".",
                ["type"] = "string",
                ["pattern"] = "\\{\\{.*\\}\\}",
            },
            ["variable"] = Variable(),
        };
        var context = new Context(definitions);

        var sources = new JsonArray();
        foreach (var (type, configType) in plugins.SourceConfigTypes.OrderBy(b => b.Key, StringComparer.Ordinal))
        {
            var schema = ClassSchema(ConfigModel.For(configType), context);
            var properties = new JsonObject { ["type"] = new JsonObject { ["const"] = type, ["description"] = "The builder." } };
            foreach (var (key, value) in ((JsonObject)schema["properties"]!).ToList())
            {
                properties[key] = value?.DeepClone();
            }

            schema["properties"] = properties;
            var required = new JsonArray("type");
            foreach (var key in (JsonArray?)schema["required"] ?? [])
            {
                required.Add(key?.DeepClone());
            }

            schema["required"] = required;
            definitions[$"source.{type}"] = schema;
            sources.Add(Ref($"source.{type}"));
        }

        definitions["source"] = sources.Count == 0
            ? new JsonObject { ["type"] = "object", ["required"] = new JsonArray("type"), ["properties"] = new JsonObject { ["type"] = new JsonObject { ["type"] = "string" } } }
            : new JsonObject { ["oneOf"] = sources };
        definitions["provisioner"] = Items("provisioner", plugins.ProvisionerConfigTypes, context);
        definitions["publisher"] = Items("publisher", plugins.PublisherConfigTypes, context);

        return new JsonObject
        {
            ["$schema"] = "http://json-schema.org/draft-07/schema#",
            ["title"] = "Kiln image definition",
            ["description"] = "One machine image built for several platforms. Generated from Kiln's plugin config classes; do not edit.",
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["required"] = new JsonArray("sources"),
            ["properties"] = new JsonObject
            {
                ["name"] = new JsonObject
                {
                    ["description"] = "The image's name, unique in the repository; defaults to the file name without .kiln.yaml.",
                    ["type"] = "string",
                    ["pattern"] = "^[a-z0-9][a-z0-9_-]*$",
                },
                ["description"] = new JsonObject { ["description"] = "What this image is, for people.", ["type"] = "string" },
                ["depends_on"] = new JsonObject
                {
                    ["description"] = "Images built before this one; their outputs are image.<name>.artifact.<key>.",
                    ["type"] = "array",
                    ["uniqueItems"] = true,
                    ["items"] = new JsonObject { ["type"] = "string" },
                },
                ["variables"] = new JsonObject
                {
                    ["description"] = "Values supplied from outside: defaults < *.auto.vars.yaml < --var-file < KILN_VAR_<name> < --var.",
                    ["type"] = "object",
                    ["propertyNames"] = new JsonObject { ["pattern"] = "^[A-Za-z_][A-Za-z0-9_]*$" },
                    ["additionalProperties"] = Ref("variable"),
                },
                ["locals"] = new JsonObject
                {
                    ["description"] = "Named values computed from variables and other locals: local.<name>.",
                    ["type"] = "object",
                    ["propertyNames"] = new JsonObject { ["pattern"] = "^[A-Za-z_][A-Za-z0-9_]*$" },
                },
                ["sources"] = new JsonObject
                {
                    ["description"] = "One entry per platform; `type` picks the builder.",
                    ["type"] = "object",
                    ["minProperties"] = 1,
                    ["propertyNames"] = new JsonObject { ["pattern"] = "^[a-z0-9][a-z0-9_-]*$" },
                    ["additionalProperties"] = Ref("source"),
                },
                ["provision"] = new JsonObject
                {
                    ["description"] = "Provisioners, run in order on every source unless only/except says otherwise.",
                    ["type"] = "array",
                    ["items"] = Ref("provisioner"),
                },
                ["verify"] = new JsonObject
                {
                    ["description"] = "Checks run against the captured image.",
                    ["type"] = "array",
                    ["items"] = Ref("provisioner"),
                },
                ["publish"] = new JsonObject
                {
                    ["description"] = "Publishers (post-processors) in order; a list inside the list is a chain.",
                    ["type"] = "array",
                    ["items"] = new JsonObject { ["anyOf"] = new JsonArray(Ref("publisher"), new JsonObject { ["type"] = "array", ["minItems"] = 1, ["items"] = Ref("publisher") }) },
                },
            },
            ["definitions"] = definitions,
        };
    }

    private static JsonObject Variable() => new()
    {
        ["type"] = "object",
        ["additionalProperties"] = false,
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject
            {
                ["description"] = "The value's type; string when omitted.",
                ["enum"] = new JsonArray([.. Enum.GetNames<VariableType>().Select(n => JsonValue.Create(n.ToLowerInvariant()))]),
            },
            ["default"] = new JsonObject { ["description"] = "The value when nothing else sets it; without a default the variable must be set." },
            ["description"] = new JsonObject { ["type"] = "string" },
            ["sensitive"] = new JsonObject { ["description"] = "A secret: redacted from logs, manifests, errors and plans.", ["type"] = "boolean" },
            ["validation"] = new JsonObject
            {
                ["type"] = "object",
                ["additionalProperties"] = false,
                ["properties"] = new JsonObject
                {
                    ["min"] = new JsonObject { ["type"] = "number" },
                    ["max"] = new JsonObject { ["type"] = "number" },
                    ["pattern"] = new JsonObject { ["description"] = "A regular expression the whole value must match.", ["type"] = "string" },
                    ["allowed"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = new JsonArray("string", "number", "boolean") } },
                    ["error_message"] = new JsonObject { ["description"] = "Shown instead of Kiln's message when a rule is broken.", ["type"] = "string" },
                },
            },
        },
    };

    private static JsonObject Items(string kind, IReadOnlyDictionary<string, Type> plugins, Context context)
    {
        var items = new JsonArray();
        foreach (var (type, configType) in plugins.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            context.Definitions[$"{kind}.{type}"] = ClassSchema(ConfigModel.For(configType), context);
            items.Add(new JsonObject
            {
                ["type"] = "object",
                ["additionalProperties"] = false,
                ["required"] = new JsonArray(type),
                ["properties"] = new JsonObject { [type] = Ref($"{kind}.{type}") },
            });
        }

        return items.Count == 0
            ? new JsonObject { ["type"] = "object", ["minProperties"] = 1, ["maxProperties"] = 1 }
            : new JsonObject { ["oneOf"] = items };
    }

    private static JsonObject ClassSchema(ConfigModel model, Context context)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var property in model.Properties)
        {
            var schema = ValueSchema(property.Property.PropertyType, context);
            if (property.Nullable)
            {
                schema = new JsonObject { ["anyOf"] = new JsonArray(schema, new JsonObject { ["type"] = "null" }) };
            }

            if (property.Description is not null)
            {
                schema["description"] = property.Description;
            }

            properties[property.Key] = schema;
            foreach (var former in property.FormerKeys)
            {
                var formerSchema = schema.DeepClone().AsObject();
                formerSchema["deprecated"] = true;
                formerSchema["description"] = $"The former name of `{property.Key}`: still accepted, with a warning.";
                properties[former] = formerSchema;
            }
            if (property.Required)
            {
                required.Add(property.Key);
            }
        }

        var result = new JsonObject();
        if (model.Description is not null)
        {
            result["description"] = model.Description;
        }

        result["type"] = "object";
        result["additionalProperties"] = false;
        result["properties"] = properties;
        if (required.Count > 0)
        {
            result["required"] = required;
        }

        return result;
    }

    private static JsonObject ValueSchema(Type type, Context context)
    {
        var kind = ConfigModel.KindOf(type, out var element);
        return kind switch
        {
            ValueKind.String => new JsonObject { ["type"] = "string" },
            ValueKind.Bool => OrInterpolation(new JsonObject { ["type"] = "boolean" }),
            ValueKind.Integer => OrInterpolation(new JsonObject { ["type"] = "integer" }),
            ValueKind.Number => OrInterpolation(new JsonObject { ["type"] = "number" }),
            ValueKind.Duration => OrInterpolation(new JsonObject
            {
                ["type"] = "string",
                ["pattern"] = ScalarConversions.DurationPattern.TrimEnd('$') + "$|^0$",
                ["examples"] = new JsonArray("30s", "5m", "1h30m"),
            }),
            ValueKind.Enum => OrInterpolation(new JsonObject { ["enum"] = new JsonArray([.. ConfigModel.EnumNames(element).Select(n => JsonValue.Create(n))]) }),
            ValueKind.List => OrInterpolation(new JsonObject { ["type"] = "array", ["items"] = ValueSchema(element, context) }),
            ValueKind.Map => OrInterpolation(new JsonObject { ["type"] = "object", ["additionalProperties"] = ValueSchema(element, context) }),
            ValueKind.Object => context.Nested(element),
            _ => new JsonObject(),
        };
    }

    private static JsonObject OrInterpolation(JsonObject schema) =>
        new() { ["anyOf"] = new JsonArray(schema, new JsonObject { ["$ref"] = Interpolation }) };

    private static JsonObject Ref(string name) => new() { ["$ref"] = $"#/definitions/{name}" };

    private sealed class Context(JsonObject definitions)
    {
        private readonly Dictionary<Type, string> _names = [];

        public JsonObject Definitions { get; } = definitions;

        /// <summary>A nested config class, defined once and referenced wherever it is used.</summary>
        public JsonObject Nested(Type type)
        {
            if (!_names.TryGetValue(type, out var name))
            {
                name = $"type.{type.Name}";
                for (var i = 2; Definitions.ContainsKey(name); i++)
                {
                    name = $"type.{type.Name}{i}";
                }

                _names[type] = name;
                Definitions[name] = new JsonObject();
                Definitions[name] = ClassSchema(ConfigModel.For(type), this);
            }

            return Ref(name);
        }
    }
}
