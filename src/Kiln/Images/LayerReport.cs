using System.Globalization;
using System.Text;
using Kiln.Definitions;
using Kiln.Engine;

namespace Kiln.Images;

/// <summary>InspectImages' lines about provisioning layers: for each build that keeps them, where it would resume.</summary>
internal static class LayerReport
{
    public static string Describe(DefinitionSet definitions, ImageBuildSettings settings)
    {
        var text = new StringBuilder();
        foreach (var (image, _, _, layers) in SourcePrints.Compute(definitions, ImageSelection.From(definitions, settings), settings))
        {
            foreach (var source in image.Sources)
            {
                if (layers.GetValueOrDefault(source) is not { } keys
                    || definitions[image.Name].Sources.FirstOrDefault(s => s.Name == source) is not { } definition
                    || !settings.Catalog.Builders.TryGetValue(definition.Type, out var builder)
                    || builder is not IProvisionLayerCache cache)
                {
                    continue;
                }

                var (steps, cached) = cache.CachedPrefix(keys);
                text.Append(CultureInfo.InvariantCulture, $"{image.Name}.{source}: ");
                text.AppendLine(steps > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"would resume after step {steps} of {keys.Keys.Count} (cached {cached!.Value.UtcDateTime:yyyy-MM-dd HH:mm} UTC)")
                    : keys.CacheableSteps > 0 ? $"no cached layers; steps 1-{keys.CacheableSteps} of {keys.Keys.Count} would be cached" : "no step can be cached");
            }
        }

        var warm = settings.Catalog.Builders.Values.OfType<IProvisionLayerCache>().DistinctBy(c => c.LayerDirectory).SelectMany(c => c.WarmStates()).ToList();
        var warmText = settings.NoCache || warm.Count == 0 ? "" : "\nsaved machines (warm boots resume from them):\n" + string.Concat(warm.Select(w => w + "\n"));
        return (text.Length == 0 ? "" : "\nprovisioning layers:\n" + text) + warmText;
    }
}
