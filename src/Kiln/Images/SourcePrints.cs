using Kiln.Definitions;
using Kiln.Engine;

namespace Kiln.Images;

/// <summary>
/// The fingerprint and provisioning layer keys of every selected source, image by image in build order (an image's
/// fingerprints are inputs of its dependents').
/// </summary>
internal static class SourcePrints
{
    public static IEnumerable<(SelectedImage Image, ResolvedImage Symbolic, IReadOnlyDictionary<string, string> Fingerprints, IReadOnlyDictionary<string, ProvisionLayers?> Layers)> Compute(
        DefinitionSet definitions, ImageSelection selection, ImageBuildSettings settings)
    {
        var fingerprints = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var image in selection.Images)
        {
            var symbolic = definitions.Resolve(image.Name, BuildFingerprint.Scope);
            var dependencyPrints = image.DependsOn.SelectMany(d => fingerprints[d].Values).ToList();
            var prints = symbolic.Sources.ToDictionary(
                s => s.Name,
                s => BuildFingerprint.Compute(symbolic, s, settings.Catalog, definitions.Redactor, dependencyPrints),
                StringComparer.Ordinal);
            fingerprints[image.Name] = prints;
            var layers = settings.NoCache
                ? new Dictionary<string, ProvisionLayers?>(StringComparer.Ordinal)
                : symbolic.Sources.ToDictionary(
                    s => s.Name,
                    s => ProvisionLayerKeys.Compute(symbolic, s, settings.Catalog, definitions.Redactor, dependencyPrints) is { } keys ? keys with { SizeLimit = settings.CacheSize } : null,
                    StringComparer.Ordinal);
            yield return (image, symbolic, prints, layers);
        }
    }
}
