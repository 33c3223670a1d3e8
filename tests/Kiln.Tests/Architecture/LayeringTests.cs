using Kiln.Plugins;
using Mono.Cecil;

namespace Kiln.Tests.Architecture;

/// <summary>The folders of src/Kiln depend on each other in one direction only (docs/architecture.md).</summary>
public sealed class LayeringTests
{
    private static readonly Lazy<ModuleDefinition> Kiln = new(() => ModuleDefinition.ReadModule(typeof(PluginCatalog).Assembly.Location));

    [Fact]
    public void No_folder_of_Kiln_uses_a_folder_of_a_higher_layer_or_a_sibling()
    {
        var violations = new LayerCheck(Layers.OfKiln).Violations(Kiln.Value);

        Assert.True(violations.Count == 0, $"{violations.Count} backwards reference(s) between the layers of src/Kiln:\n{string.Join("\n", violations)}");
    }

    [Fact]
    public void Every_namespace_of_Kiln_has_a_place_in_the_layers()
    {
        var unplaced = new LayerCheck(Layers.OfKiln).Unplaced(Kiln.Value);

        Assert.True(unplaced.Count == 0, $"add these namespaces to Layers.OfKiln (and docs/architecture.md): {string.Join(", ", unplaced)}");
    }

    [Fact]
    public void The_check_names_the_type_and_the_reference_that_point_the_wrong_way()
    {
        // Swapping two layers makes every real use between them a backwards one.
        var swapped = Layers.OfKiln.Select(parts => parts.Contains("Kiln.Definitions") ? ["Kiln.Engine"] : parts.Contains("Kiln.Engine") ? (IReadOnlyList<string>)["Kiln.Definitions"] : parts).ToList();

        var violations = new LayerCheck(swapped).Violations(Kiln.Value);

        Assert.Contains("Kiln.Engine.BuildContext (Kiln.Engine, layer 1) uses Kiln.Definitions.ResolvedSource (Kiln.Definitions, layer 2): a higher layer", violations);
        Assert.All(violations, v => Assert.Matches(@"^Kiln\.Engine\.\S+ \(Kiln\.Engine, layer 1\) uses Kiln\.Definitions\.", v));
    }
}
