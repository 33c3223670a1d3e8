using System.Security.Cryptography;
using System.Text;
using Kiln.Definitions;
using Kiln.Model;

namespace Kiln.Tests.Definitions;

public sealed class InterpolationTests : IDisposable
{
    private readonly DefinitionFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private static readonly DateTimeOffset Moment = new(2026, 11, 23, 19, 5, 7, TimeSpan.Zero);

    private BuildScope Scope(IReadOnlyDictionary<string, IReadOnlyList<Artifact>>? dependencies = null) => new()
    {
        RunId = "run-42",
        OutputDirectory = source => Path.Combine(_fixture.Directory, "out", source),
        Dependencies = dependencies ?? new Dictionary<string, IReadOnlyList<Artifact>>(),
        Timestamp = Moment,
    };

    /// <summary>Loads a definition whose qemu source writes <paramref name="expression"/> into base.image, and returns what it became.</summary>
    private string Image(string expression, string extra = "", Dictionary<string, string>? env = null, BuildScope? scope = null)
    {
        _fixture.Write("web.kiln.yaml", $"name: web\n{extra}sources:\n  local:\n    type: qemu\n    base:\n      image: '{expression}'\n");
        var set = _fixture.Load(new VariableInputs { Environment = env ?? new Dictionary<string, string>() });
        Assert.Empty(set.Validate());
        var source = Assert.Single(set.Resolve("web", scope ?? Scope()).Sources);
        return Assert.IsType<TestQemuConfig>(source.Config).Base.Image!;
    }

    [Fact]
    public void Variables_and_locals_that_use_each_other_are_substituted()
    {
        var extra = "variables:\n  version: { default: 1.2.3 }\nlocals:\n  name: \"web-{{ local.suffix }}\"\n  suffix: \"{{ var.version }}-x\"\n";

        Assert.Equal("disk-web-1.2.3-x.qcow2", Image("disk-{{ local.name }}.qcow2", extra));
    }

    [Fact]
    public void Environment_values_and_defaults_for_missing_ones()
    {
        var env = new Dictionary<string, string> { ["HOME_DIR"] = "/home/kiln" };

        Assert.Equal("/home/kiln/base.qcow2", Image("{{ env.HOME_DIR }}/base.qcow2", env: env));
        Assert.Equal("/fallback", Image("{{ default(env.NOT_SET, \"/fallback\") }}", env: env));
    }

    [Fact]
    public void Build_values_come_from_the_scope()
    {
        var expected = $"web/local/{Path.Combine(_fixture.Directory, "out", "local")}/run-42";

        Assert.Equal(expected, Image("{{ build.name }}/{{ build.source }}/{{ build.output }}/{{ build.run_id }}"));
    }

    [Fact]
    public void Dependency_outputs_are_read_from_the_dependencys_artifacts()
    {
        _fixture.Write("base.kiln.yaml", "name: base\nsources:\n  local: { type: qemu, base: { image: debian.qcow2 } }\n");
        var artifacts = new Dictionary<string, IReadOnlyList<Artifact>>
        {
            ["base"] = [new Artifact { BuilderType = "qemu", Id = "base", Outputs = new Dictionary<string, string> { ["qcow2"] = "/out/base.qcow2" } }],
        };

        Assert.Equal("/out/base.qcow2", Image("{{ image.base.artifact.qcow2 }}", "depends_on: [base]\n", scope: Scope(artifacts)));
    }

    [Fact]
    public void Functions_do_what_their_names_say()
    {
        var extra = "variables:\n  name: { default: My-Image }\n  tags: { type: list, default: [a, b] }\n";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("abc")));
        _fixture.Write("motd.txt", "hello");

        Assert.Equal("my-image MY-IMAGE My_Image", Image("{{ lower(var.name) }} {{ upper(var.name) }} {{ replace(var.name, \"-\", \"_\") }}", extra));
        Assert.Equal(hash, Image("{{ sha256(\"abc\") }}"));
        Assert.Equal("hello", Image("{{ file(\"motd.txt\") }}"));
        Assert.Equal("a,b x", Image("{{ join(var.tags, \",\") }} {{ trim(\" x \") }}", extra));
        Assert.Equal("20261123190507", Image("{{ timestamp }}"));
        Assert.True(Guid.TryParse(Image("{{ uuid() }}"), out _));
    }

    [Fact]
    public void Git_values_are_read_from_the_repository_holding_the_definition()
    {
        var sha = new string('a', 40);
        _fixture.Write(".git/HEAD", "ref: refs/heads/feature/x\n");
        _fixture.Write(".git/packed-refs", $"# pack-refs with: peeled\n{sha} refs/heads/feature/x\n");

        Assert.Equal($"{sha} feature/x aaaaaaaaaaaa", Image("{{ git.sha }} {{ git.branch }} {{ git.short_sha }}"));
    }

    [Fact]
    public void Git_values_follow_a_worktree_pointer_to_loose_refs_in_the_common_directory()
    {
        var sha = new string('b', 40);
        _fixture.Write("repo/.git/worktrees/wt/HEAD", "ref: refs/heads/defs\n");
        _fixture.Write("repo/.git/worktrees/wt/commondir", "../..\n");
        _fixture.Write("repo/.git/refs/heads/defs", sha + "\n");
        _fixture.Write(".git", $"gitdir: {Path.Combine(_fixture.Directory, "repo/.git/worktrees/wt")}\n");

        Assert.Equal($"{sha}@defs", Image("{{ git.sha }}@{{ git.branch }}"));
    }

    [Fact]
    public void A_single_expression_keeps_its_type_for_binding()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            variables:
              cpus: { type: number, default: 6 }
              formats: { type: list, default: [qcow2, vmdk] }
            sources:
              local: { type: qemu, base: { image: x }, cpus: "{{ var.cpus }}", formats: "{{ var.formats }}", ssh_timeout: "{{ var.cpus }}m" }
            """);

        var config = (TestQemuConfig)_fixture.Load().Resolve("web", Scope()).Sources[0].Config;

        Assert.Equal(6, config.Cpus);
        Assert.Equal([DiskFormat.Qcow2, DiskFormat.Vmdk], config.Formats);
        Assert.Equal(TimeSpan.FromMinutes(6), config.SshTimeout);
    }

    [Fact]
    public void Unknown_references_are_errors_at_validation_with_their_exact_column()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            variables:
              region: { default: x }
            locals:
              a: "{{ var.regoin }}"
              b: "x-{{ locl.a }}"
            sources:
              local: { type: qemu, base: { image: "{{ build.outptu }}" }, disk_size: "{{ lower(local.c) }}" }
            provision:
              - shell: { inline: ["echo {{ image.base.artifact.qcow2 }}"] }
            """);

        var problems = _fixture.Problems();

        Assert.Equal("Did you mean 'region'?", DiagnosticAssert.Single(problems, "unknown variable 'var.regoin'", 5, 10).Hint);
        Assert.Equal("Did you mean 'local'?", DiagnosticAssert.Single(problems, "unknown reference 'locl.a'", 6, 12).Hint);
        Assert.Equal("Did you mean 'output'?", DiagnosticAssert.Single(problems, "unknown build value 'build.outptu'", 8, 43).Hint);
        DiagnosticAssert.Single(problems, "unknown local 'local.c'", 8, 84);
        Assert.Equal("Add it: depends_on: [base].", DiagnosticAssert.Single(problems, "does not depend on", 10, 32).Hint);
        Assert.Equal(5, problems.Count);
    }

    [Fact]
    public void Locals_in_a_cycle_are_reported_once()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nlocals:\n  a: \"{{ local.b }}\"\n  b: \"{{ local.c }}\"\n  c: \"{{ local.a }}\"\nsources:\n  local: { type: qemu, base: { image: \"{{ local.a }}\" } }\n");

        var diagnostic = Assert.Single(_fixture.Problems());

        Assert.Contains("cycle: a -> b -> c -> a", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal((5, 10), (diagnostic.Location!.Line, diagnostic.Location.Column));
    }

    [Fact]
    public void Syntax_errors_point_into_the_expression()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nsources:\n  local: { type: qemu, base: { image: 'abc{{ var.x, }}' }, disk_size: '{{ lower(\"x) }}' }\n");

        var problems = _fixture.Problems();

        DiagnosticAssert.Single(problems, "unexpected ', }}' in expression", 3, 51);
        DiagnosticAssert.Single(problems, "the string is not closed", 3, 81);
    }

    [Fact]
    public void Functions_are_checked_for_names_and_arguments()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nsources:\n  local: { type: qemu, base: { image: '{{ lowr(\"A\") }}' }, disk_size: '{{ upper(\"a\", \"b\") }}' }\n");

        var problems = _fixture.Problems();

        Assert.Equal("Did you mean 'lower'?", DiagnosticAssert.Single(problems, "unknown function 'lowr'", 3, 43).Hint);
        DiagnosticAssert.Single(problems, "upper() takes 1 argument, not 2", 3, 75);
    }

    [Fact]
    public void Missing_dependency_outputs_are_errors_at_resolve_time()
    {
        _fixture.Write("base.kiln.yaml", "name: base\nsources:\n  local: { type: qemu, base: { image: debian.qcow2 } }\n");
        var artifacts = new Dictionary<string, IReadOnlyList<Artifact>>
        {
            ["base"] = [new Artifact { BuilderType = "qemu", Id = "base", Outputs = new Dictionary<string, string> { ["qcow2"] = "/out/base.qcow2" } }],
        };
        _fixture.Write("web.kiln.yaml", "name: web\ndepends_on: [base]\nsources:\n  local: { type: qemu, base: { image: '{{ image.base.artifact.qcow3 }}' } }\n");

        var set = _fixture.Load();
        Assert.Empty(set.Validate());
        var error = Assert.Throws<Kiln.Diagnostics.DefinitionException>(() => set.Resolve("web", Scope(artifacts)));

        Assert.Equal("Did you mean 'qcow2'?", DiagnosticAssert.Single(error.Diagnostics, "image 'base' has no output 'qcow3'", 4, 43).Hint);
    }

    [Fact]
    public void Hostile_nesting_is_an_error_not_a_stack_overflow()
    {
        var calls = string.Concat(Enumerable.Repeat("lower(", 5000)) + "\"x\"" + new string(')', 5000);
        var locals = string.Concat(Enumerable.Range(0, 5000).Select(i => $"  l{i}: \"{{{{ local.l{i + 1} }}}}\"\n")) + "  l5000: end\n";
        _fixture.Write("web.kiln.yaml", $"name: web\nlocals:\n{locals}sources:\n  local: {{ type: qemu, base: {{ image: '{{{{ {calls} }}}}' }}, disk_size: \"{{{{ local.l0 }}}}\" }}\n");

        var problems = _fixture.Problems();

        Assert.Contains(problems, p => p.Message.Contains($"nests more than {Kiln.Definitions.Interpolation.TemplateParser.MaxNesting} calls", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains($"more than {Interpolator.MaxLocalDepth} levels deep", StringComparison.Ordinal));
    }
}
