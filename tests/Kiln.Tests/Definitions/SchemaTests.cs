using System.Globalization;
using Kiln.Definitions;
using Kiln.Definitions.Yaml;
using Kiln.Diagnostics;
using Kiln.Plugins;
using NJsonSchema;
using Newtonsoft.Json.Linq;

namespace Kiln.Tests.Definitions;

public sealed class SchemaTests
{
    private static string SchemaPath => Path.Combine(RepositoryFiles.Templates, "kiln.schema.json");

    /// <summary>
    /// The committed schema matches the plugins compiled into Kiln. After adding or changing a plugin config,
    /// regenerate it: KILN_UPDATE_SCHEMA=1 dotnet test --project tests/Kiln.Tests/Kiln.Tests.csproj
    /// </summary>
    [Fact]
    public void The_committed_schema_is_up_to_date()
    {
        var generated = SchemaGenerator.GenerateText(PluginCatalog.Default);
        if (Environment.GetEnvironmentVariable("KILN_UPDATE_SCHEMA") == "1")
        {
            File.WriteAllText(SchemaPath, generated);
        }

        Assert.True(File.Exists(SchemaPath), $"{SchemaPath} is missing; run the tests with KILN_UPDATE_SCHEMA=1 to create it.");
        Assert.True(File.ReadAllText(SchemaPath) == generated,
            "templates/kiln.schema.json is stale; regenerate it: KILN_UPDATE_SCHEMA=1 dotnet test --project tests/Kiln.Tests/Kiln.Tests.csproj");
    }

    [Fact]
    public void Sources_are_discriminated_by_type_and_closed_to_unknown_keys()
    {
        var schema = SchemaGenerator.Generate(TestPlugins.Catalog);
        var definitions = schema["definitions"]!;

        Assert.Equal(2, definitions["source"]!["oneOf"]!.AsArray().Count);
        var qemu = definitions["source.qemu"]!;
        Assert.Equal("qemu", (string?)qemu["properties"]!["type"]!["const"]);
        Assert.False((bool)qemu["additionalProperties"]!);
        Assert.Equal(["type", "base"], qemu["required"]!.AsArray().Select(r => (string?)r));
        Assert.Equal("Virtual CPUs.", (string?)qemu["properties"]!["cpus"]!["description"]);
        Assert.Equal("A test virtual machine.", (string?)qemu["description"]);
        Assert.Equal("#/definitions/type.TestBase", (string?)qemu["properties"]!["base"]!["$ref"]);
        Assert.Contains("raw_image", definitions["source.qemu"]!["properties"]!["formats"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_template_validates_against_the_schema_and_with_the_loader()
    {
        var example = Path.Combine(RepositoryFiles.Samples, "web.kiln.yaml");
        var schema = await JsonSchema.FromJsonAsync(SchemaGenerator.Generate(TestPlugins.Catalog).ToJsonString(), TestContext.Current.CancellationToken);

        var errors = schema.Validate(ToJson(example, File.ReadAllText(example)));
        var set = DefinitionLoader.Load(example, new VariableInputs { Vars = ["site_token=s3cr3t-token"], Environment = new Dictionary<string, string>() }, TestPlugins.Catalog);

        Assert.Empty(errors);
        Assert.Empty(set.Validate());
        Assert.Equal(["local", "aws"], set.Resolve("web", BuildScope.Symbolic).Sources.Select(s => s.Name));
    }

    [Fact]
    public void The_example_template_validates_with_the_plugins_compiled_into_Kiln()
    {
        var example = Path.Combine(RepositoryFiles.Samples, "web.kiln.yaml");

        var set = DefinitionLoader.Load(example, new VariableInputs { Vars = ["site_token=s3cr3t-token"], Environment = new Dictionary<string, string>() }, PluginCatalog.Default);

        Assert.Empty(set.Validate());
        var plan = set.Inspect("web").Render();
        Assert.Contains("source local (qemu)", plan, StringComparison.Ordinal);
        Assert.Contains("source aws (amazon-ebs)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-token", plan, StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine(plan);
    }

    [Fact]
    public void The_repository_templates_validate_with_the_plugins_compiled_into_Kiln()
    {
        var set = DefinitionLoader.Load(RepositoryFiles.Templates, new VariableInputs { Environment = new Dictionary<string, string>() }, PluginCatalog.Default);

        Assert.Empty(set.Validate());
        Assert.Contains("source local (qemu)", set.Inspect("app").Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_plugin_config_in_Kiln_uses_only_bindable_property_types()
    {
        var catalog = Kiln.Plugins.PluginCatalog.Default;
        var roots = catalog.Builders.Values.Select(b => b.ConfigType)
            .Concat(catalog.Provisioners.Values.Select(p => p.ConfigType))
            .Concat(catalog.Publishers.Values.Select(p => p.ConfigType));
        var seen = new HashSet<Type>();
        var unsupported = new List<string>();

        void Check(Type type)
        {
            if (!seen.Add(type))
            {
                return;
            }

            foreach (var property in ConfigModel.For(type).Properties)
            {
                var kind = ConfigModel.KindOf(property.Property.PropertyType, out var element);
                while (kind is ValueKind.List or ValueKind.Map)
                {
                    kind = ConfigModel.KindOf(element, out element);
                }

                if (kind == ValueKind.Unsupported)
                {
                    unsupported.Add($"{type.Name}.{property.Property.Name} ({property.Property.PropertyType.Name})");
                }
                else if (kind == ValueKind.Object)
                {
                    Check(element);
                }
            }
        }

        foreach (var root in roots)
        {
            Check(root);
        }

        Assert.Empty(unsupported);
    }

    [Fact]
    public async Task The_schema_rejects_what_the_loader_rejects()
    {
        var schema = await JsonSchema.FromJsonAsync(SchemaGenerator.Generate(TestPlugins.Catalog).ToJsonString(), TestContext.Current.CancellationToken);

        Assert.NotEmpty(schema.Validate(ToJson("a", "name: a\nsources:\n  x: { type: qemu, base: {}, cpu: 2 }\n")));
        Assert.NotEmpty(schema.Validate(ToJson("a", "name: a\nsources:\n  x: { type: qemo }\n")));
        Assert.NotEmpty(schema.Validate(ToJson("a", "name: a\nsources:\n  x: { type: qemu, base: {} }\nprovision:\n  - shell: {}\n    file: {}\n")));
        Assert.NotEmpty(schema.Validate(ToJson("a", "name: a\nsources:\n  x: { type: qemu, base: {}, formats: [qcow3] }\n")));
        Assert.Empty(schema.Validate(ToJson("a", "name: a\nsources:\n  x: { type: qemu, base: {}, cpus: \"{{ var.cpus }}\", ssh_timeout: 1h30m }\n")));
    }

    /// <summary>YAML to JSON as an editor's YAML language server sees it: plain scalars typed by the YAML core schema.</summary>
    private static JToken ToJson(string file, string yaml)
    {
        var diagnostics = new List<KilnDiagnostic>();
        var root = YamlReader.Read(file, yaml, diagnostics) ?? throw new DefinitionException(diagnostics);
        return Convert(root);
    }

    private static JToken Convert(YamlNode node) => node switch
    {
        YamlMap map => new JObject(map.Entries.Select(e => new JProperty(e.Key.Value, Convert(e.Value)))),
        YamlList list => new JArray(list.Items.Select(Convert)),
        YamlScalar { IsNull: true } => JValue.CreateNull(),
        YamlScalar { Style: YamlScalarStyle.Plain } s when long.TryParse(s.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer) => new JValue(integer),
        YamlScalar { Style: YamlScalarStyle.Plain } s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) => new JValue(real),
        YamlScalar { Style: YamlScalarStyle.Plain, Value: "true" or "false" } s => new JValue(s.Value == "true"),
        YamlScalar s => new JValue(s.Value),
        _ => JValue.CreateNull(),
    };
}
