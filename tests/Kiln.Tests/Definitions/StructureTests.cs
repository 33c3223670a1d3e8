namespace Kiln.Tests.Definitions;

/// <summary>Shape errors in a definition file: each at its place, with a suggestion, all at once.</summary>
public sealed class StructureTests : IDisposable
{
    private readonly DefinitionFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private const string Valid = """
        name: web
        sources:
          local:
            type: qemu
            base: { image: base.qcow2 }
        """;

    [Fact]
    public void A_valid_minimal_definition_has_no_problems()
    {
        _fixture.Write("web.kiln.yaml", Valid);

        Assert.Empty(_fixture.Problems());
    }

    [Fact]
    public void An_unknown_top_level_key_suggests_the_close_one()
    {
        _fixture.Write("web.kiln.yaml", Valid + "\nprovison: []\n");

        var diagnostic = DiagnosticAssert.Single(_fixture.Problems(), "unknown top-level key 'provison'", 6, 1);
        Assert.Equal("Did you mean 'provision'?", diagnostic.Hint);
    }

    [Fact]
    public void An_unknown_builder_type_suggests_the_close_one()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nsources:\n  local: { type: qemo }\n");

        var diagnostic = DiagnosticAssert.Single(_fixture.Problems(), "unknown builder type 'qemo'", 3, 18);
        Assert.Equal("Did you mean 'qemu'?", diagnostic.Hint);
    }

    [Fact]
    public void A_source_without_type_lists_the_builder_types()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nsources:\n  local: { cpus: 2 }\n");

        var diagnostic = DiagnosticAssert.Single(_fixture.Problems(), "source 'local' has no 'type'", 3, 3);
        Assert.Contains("amazon-ebs, qemu", diagnostic.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_provisioners_and_publishers_are_reported_with_suggestions()
    {
        _fixture.Write("web.kiln.yaml", Valid + "\nprovision:\n  - shel: { inline: [ls] }\npublish:\n  - checksums: {}\n");

        var problems = _fixture.Problems();
        Assert.Equal("Did you mean 'shell'?", DiagnosticAssert.Single(problems, "unknown provisioner 'shel'", 7, 5).Hint);
        Assert.Equal("Did you mean 'checksum'?", DiagnosticAssert.Single(problems, "unknown publisher 'checksums'", 9, 5).Hint);
    }

    [Fact]
    public void A_list_item_with_two_plugin_keys_is_an_error()
    {
        _fixture.Write("web.kiln.yaml", Valid + "\nprovision:\n  - shell: { inline: [ls] }\n    file: { source: a, destination: b }\n");

        DiagnosticAssert.Single(_fixture.Problems(), "a mapping with 2 keys", 7, 5);
    }

    [Fact]
    public void Every_problem_of_every_file_is_reported_in_one_go()
    {
        _fixture.Write("a.kiln.yaml", "name: a\nsoruces: {}\nsources:\n  x: { type: nope }\n");
        _fixture.Write("b.kiln.yaml", "name: b\nsources:\n  y: { type: qemu, base: { image: i }, cpu: 2 }\n");

        var problems = _fixture.Problems();

        Assert.Single(problems, p => p.Message.Contains("soruces", StringComparison.Ordinal));
        Assert.Single(problems, p => p.Message.Contains("unknown builder type 'nope'", StringComparison.Ordinal));
        DiagnosticAssert.Single(problems, "unknown key 'cpu' in source 'y' (qemu)", 3, 40);
        Assert.All(problems, p => Assert.NotNull(p.Location));
    }

    [Fact]
    public void Two_definitions_with_one_name_are_an_error()
    {
        _fixture.Write("a.kiln.yaml", Valid);
        _fixture.Write("sub/b.kiln.yaml", Valid);

        DiagnosticAssert.Single(_fixture.Problems(), "another definition is also named 'web'", 1, 1);
    }

    [Fact]
    public void The_name_defaults_to_the_file_name_and_other_files_are_ignored()
    {
        _fixture.Write("images/base.kiln.yaml", "sources:\n  local: { type: qemu, base: { image: x } }\n");
        _fixture.Write("images/notes.yaml", "this: is not a definition\n");

        var set = _fixture.Load();

        Assert.Equal("base", Assert.Single(set.Images).Name);
    }

    [Fact]
    public void Wrong_shapes_of_top_level_values_are_reported()
    {
        _fixture.Write("web.kiln.yaml", "name: web\ndepends_on: base\nvariables: [a]\nsources:\n  local: { type: qemu, base: { image: x } }\nprovision: { shell: {} }\n");

        var problems = _fixture.Problems();
        DiagnosticAssert.Single(problems, "'depends_on' must be a list", 2, 13);
        DiagnosticAssert.Single(problems, "'variables' must be a mapping", 3, 12);
        DiagnosticAssert.Single(problems, "'provision' must be a list", 6, 12);
    }
}
