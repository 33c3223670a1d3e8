using Kiln.Diagnostics;

namespace Kiln.Tests.Definitions;

public sealed class DependencyTests : IDisposable
{
    private readonly DefinitionFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private void Image(string name, string dependsOn) =>
        _fixture.Write($"{name}.kiln.yaml", $"name: {name}\ndepends_on: [{dependsOn}]\nsources:\n  local: {{ type: qemu, base: {{ image: x }} }}\n");

    [Fact]
    public void Build_order_puts_dependencies_first()
    {
        Image("app", "web, base");
        Image("web", "base");
        Image("base", "");

        var set = _fixture.Load();

        Assert.Empty(set.Validate());
        Assert.Equal(["base", "web", "app"], set.BuildOrder("app"));
        Assert.Equal(["base", "web"], set.BuildOrder("web"));
    }

    [Fact]
    public void Unknown_and_self_dependencies_are_reported()
    {
        Image("web", "bsae, web");
        Image("base", "");

        var problems = _fixture.Problems();

        Assert.Equal("Did you mean 'base'?", DiagnosticAssert.Single(problems, "depends on 'bsae', but there is no definition", 2, 14).Hint);
        DiagnosticAssert.Single(problems, "'web' depends on itself", 2, 20);
    }

    [Fact]
    public void A_dependency_cycle_is_reported_once_with_its_path()
    {
        Image("a", "b");
        Image("b", "c");
        Image("c", "a");

        var diagnostic = Assert.Single(_fixture.Problems());

        Assert.Contains("cycle: a -> b -> c -> a", diagnostic.Message, StringComparison.Ordinal);
        Assert.EndsWith("c.kiln.yaml", diagnostic.Location!.File, StringComparison.Ordinal);
        Assert.Throws<DefinitionException>(() => _fixture.Load().BuildOrder());
    }
}
