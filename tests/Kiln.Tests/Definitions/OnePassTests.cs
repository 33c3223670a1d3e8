using Kiln.Diagnostics;
using Kiln.Plugins;

namespace Kiln.Tests.Definitions;

/// <summary>Validation checks every definition as far as it can, whatever else is wrong with it: nothing masks anything.</summary>
public sealed class OnePassTests : IDisposable
{
    private readonly DefinitionFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private IReadOnlyList<KilnDiagnostic> Problems() => _fixture.Problems(plugins: PluginCatalog.Default);

    [Fact]
    public void An_unknown_provisioner_and_a_misspelled_top_level_key_do_not_hide_the_errors_inside_sources()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            provison: []
            sources:
              local:
                type: qemu
                base: { bootstrap: { suite: bookworm } }
                ssh_timout: 5m
                cpus: 100
                formats: [qcow3]
            provision:
              - shel: { inline: [ls] }
            """);

        var problems = Problems();

        DiagnosticAssert.Single(problems, "unknown top-level key 'provison'", 2, 1);
        Assert.Equal("Did you mean 'ssh_timeout'?", DiagnosticAssert.Single(problems, "unknown key 'ssh_timout'", 7, 5).Hint);
        DiagnosticAssert.Single(problems, "cpus must be between 1 and 64, not 100", 8, 11);
        Assert.Equal("Did you mean 'qcow2'?", DiagnosticAssert.Single(problems, "'formats[0]'", 9, 15).Hint);
        DiagnosticAssert.Single(problems, "unknown provisioner 'shel'", 11, 5);
        Assert.Equal(5, problems.Count);
    }

    [Fact]
    public void Problems_come_sorted_by_file_then_line_then_column()
    {
        _fixture.Write("b.kiln.yaml", "name: b\nsources:\n  x: { type: qemu, base: { bootstrap: {} }, cpu: 2 }\nprovision:\n  - shel: {}\n");
        _fixture.Write("a.kiln.yaml", "name: a\nsoruces: {}\nsources:\n  x: { type: qemu, base: { bootstrap: {} }, memory: 1 }\n");

        var problems = Problems();

        Assert.Equal(4, problems.Count);
        var sorted = problems.OrderBy(p => p.Location!.File, StringComparer.Ordinal).ThenBy(p => p.Location!.Line).ThenBy(p => p.Location!.Column);
        Assert.Equal(sorted, problems);
        Assert.All(problems, p => Assert.NotNull(p.Hint));
    }

    [Fact]
    public void A_value_that_fails_to_bind_is_not_judged_again_by_the_configs_own_rules()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            sources:
              local:
                type: qemu
                base: { bootstrap: { suite: bookworm } }
                formats: []
                memory: lots
            """);

        var problems = Problems();

        DiagnosticAssert.Single(problems, "at least one output format is needed", 6, 14);
        DiagnosticAssert.Single(problems, "'memory' in source 'local' (qemu) must be an integer", 7, 13);
        Assert.Equal(2, problems.Count);
    }

    [Fact]
    public void A_variable_whose_value_is_wrong_is_reported_once_and_the_rest_of_the_file_is_still_checked()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            variables:
              cpus: { type: number, default: many }
            sources:
              local:
                type: qemu
                base: { bootstrap: { suite: bookworm } }
                cpus: "{{ var.cpus }}"
                memory: 12
            """);

        var problems = Problems();

        Assert.Single(problems, p => p.Message.Contains("many", StringComparison.Ordinal));
        DiagnosticAssert.Single(problems, "memory is in MiB and must be at least 256, not 12", 9, 13);
        Assert.Equal(2, problems.Count);
    }
}
