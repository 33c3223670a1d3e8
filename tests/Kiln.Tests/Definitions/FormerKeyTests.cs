using Kiln.Definitions;
using Kiln.Plugins;

namespace Kiln.Tests.Definitions;

/// <summary>
/// shell-local's provisioner and publisher share one set of keys; the publisher's former `environment` still binds, with
/// a warning at its place, and the schema and reference docs name it.
/// </summary>
public sealed class FormerKeyTests : IDisposable
{
    private readonly DefinitionFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void The_former_key_binds_as_the_new_one_with_a_warning_at_its_place()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            sources:
              local: { type: qemu, base: { bootstrap: {} } }
            provision:
              - shell-local: { command: "true", env: { A: "1" } }
            publish:
              - shell-local: { command: "true", environment: { B: "2" } }
            """);

        var definitions = _fixture.Load(plugins: PluginCatalog.Default);
        Assert.Empty(definitions.Validate());
        var source = definitions.Resolve("web", BuildScope.Symbolic).Sources[0];

        Assert.Equal("1", Assert.IsType<Kiln.Provisioners.ShellLocalConfig>(source.Provisioners[0].Config).Options.Env["A"]);
        Assert.Equal("2", Assert.IsType<Kiln.Publishers.ShellLocalConfig>(source.Publish[0][0].Config).Options.Env["B"]);
        var warning = Assert.Single(definitions.Warnings);
        Assert.StartsWith($"{Path.Combine(_fixture.Directory, "web.kiln.yaml")}:7:37: warning: 'environment' in publisher 'shell-local' is deprecated: the key is now 'env'", warning, StringComparison.Ordinal);
        Assert.Contains("hint: Rename it to `env`", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void The_former_and_the_new_key_together_are_an_error()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            sources:
              local: { type: qemu, base: { bootstrap: {} } }
            publish:
              - shell-local: { command: "true", env: { A: "1" }, environment: { B: "2" } }
            """);

        var problems = _fixture.Problems(plugins: PluginCatalog.Default);

        Assert.Equal("Keep only `env`.", DiagnosticAssert.Single(problems, "'environment' in publisher 'shell-local' is the former name of 'env', which is also given", 5, 54).Hint);
    }

    [Fact]
    public void Provisioner_and_publisher_have_the_same_keys_apart_from_their_own_bases()
    {
        static IEnumerable<string> Keys(Type config) => ConfigModel.For(config).Properties.Select(p => p.Key);
        var shared = ConfigModel.For(typeof(Kiln.Communicators.ShellLocalOptions)).Properties.Select(p => p.Key).ToList();

        Assert.Equal(["command", "inline", "script", "env", "shell", "working_directory", "valid_exit_codes"], shared);
        Assert.Equal(shared, Keys(typeof(Kiln.Provisioners.ShellLocalConfig)).Take(shared.Count));
        Assert.Equal(shared, Keys(typeof(Kiln.Publishers.ShellLocalConfig)).Take(shared.Count));
        Assert.Equal(["environment"], ConfigModel.For(typeof(Kiln.Publishers.ShellLocalConfig)).Find("env")!.FormerKeys);
    }
}
