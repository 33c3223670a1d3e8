using Kiln.Definitions.Yaml;
using Kiln.Diagnostics;

namespace Kiln.Tests.Definitions;

public sealed class YamlReaderTests
{
    private static (YamlNode? Root, List<KilnDiagnostic> Diagnostics) Read(string text)
    {
        var diagnostics = new List<KilnDiagnostic>();
        return (YamlReader.Read("/defs/test.kiln.yaml", text, diagnostics), diagnostics);
    }

    [Fact]
    public void Nodes_carry_one_based_lines_and_columns()
    {
        var (root, diagnostics) = Read("name: web\nsources:\n  local:\n    type: qemu\n");

        Assert.Empty(diagnostics);
        var map = Assert.IsType<YamlMap>(root);
        var local = Assert.IsType<YamlMap>(((YamlMap)map["sources"]!)["local"]);
        var type = Assert.IsType<YamlScalar>(local["type"]);
        Assert.Equal(new SourceLocation("/defs/test.kiln.yaml", 4, 11), type.Location);
        Assert.Equal(new SourceLocation("/defs/test.kiln.yaml", 4, 5), local.KeyOf("type")!.Location);
    }

    [Fact]
    public void A_duplicate_key_is_reported_at_its_second_occurrence()
    {
        var (_, diagnostics) = Read("name: web\ndescription: a\nname: other\n");

        DiagnosticAssert.Single(diagnostics, "duplicate key 'name'", 3, 1);
    }

    [Fact]
    public void Broken_yaml_is_reported_with_its_location_and_without_the_parser_prefix()
    {
        var (root, diagnostics) = Read("name: web\nsources:\n  local: { type: qemu\n");

        Assert.Null(root);
        var diagnostic = Assert.Single(diagnostics);
        Assert.StartsWith("invalid YAML: ", diagnostic.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Line:", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(4, diagnostic.Location!.Line);
    }

    [Fact]
    public void An_alias_bomb_stops_at_the_expansion_limit()
    {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
        for (var level = 'b'; level <= 'j'; level++)
        {
            var previous = (char)(level - 1);
            bomb += $"{level}: &{level} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n";
        }

        var (root, diagnostics) = Read(bomb);

        Assert.Null(root);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Contains("expands to more than", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(5, diagnostic.Location!.Line);
    }

    [Fact]
    public void Aliases_within_the_limit_share_the_anchored_node()
    {
        var (root, diagnostics) = Read("base: &b { cpus: 2 }\nother: *b\n");

        Assert.Empty(diagnostics);
        var map = Assert.IsType<YamlMap>(root);
        Assert.Same(map["base"], map["other"]);
    }

    [Fact]
    public void Deep_nesting_is_refused_with_a_location()
    {
        var (root, diagnostics) = Read(new string('[', 200) + new string(']', 200));

        Assert.Null(root);
        DiagnosticAssert.Single(diagnostics, "nested more than", 1, YamlReader.MaxDepth + 2);
    }

    [Fact]
    public void Empty_files_and_several_documents_are_errors()
    {
        Assert.Contains("empty", Assert.Single(Read("").Diagnostics).Message, StringComparison.Ordinal);
        DiagnosticAssert.Single(Read("name: a\n---\nname: b\n").Diagnostics, "more than one YAML document", 2, 1);
    }

    [Fact]
    public void Merge_keys_are_refused_rather_than_silently_misread()
    {
        DiagnosticAssert.Single(Read("a: &a { x: 1 }\nb:\n  <<: *a\n").Diagnostics, "merge keys", 3, 3);
    }
}
