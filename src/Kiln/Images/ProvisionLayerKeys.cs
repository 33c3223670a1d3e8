using System.Text.Json.Nodes;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Plugins;
using Kiln.Secrets;

namespace Kiln.Images;

/// <summary>
/// The cache keys of a build's provisioning prefixes, made the way <see cref="BuildFingerprint"/> makes a build's:
/// key k hashes Kiln's version, the builder type, the settings that shape the disk (the base file's identity among
/// them), the fingerprints of the images it depends on, and every input of steps 1..k: their resolved configs
/// (inline text, env, variables' values), the files they read, and the secrets they use only as hashes. A change in
/// step 3 leaves keys 1 and 2 as they were.
/// </summary>
public static class ProvisionLayerKeys
{
    /// <summary>Null when the source's builder keeps no layers; otherwise one key per step, null from the first step that is not cacheable.</summary>
    public static ProvisionLayers? Compute(
        ResolvedImage image, ResolvedSource source, PluginCatalog catalog, IRedactor redactor, IEnumerable<string> dependencyFingerprints)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(catalog);
        if (source.Config is not ILayeredSourceConfig layered)
        {
            return null;
        }

        var directory = Path.GetDirectoryName(image.FilePath) ?? ".";
        var dependencies = dependencyFingerprints.Order(StringComparer.Ordinal).ToList();
        var keys = new List<string?>();
        var cacheable = true;
        for (var k = 1; k <= source.Provisioners.Count; k++)
        {
            var step = source.Provisioners[k - 1];
            cacheable = cacheable && step.Config.Cache
                && catalog.Provisioners.TryGetValue(step.Type, out var plugin) && plugin.Cacheable(step.Config);
            keys.Add(cacheable ? Key(image, source, layered, [.. source.Provisioners.Take(k)], dependencies, directory, catalog, redactor) : null);
        }

        return new ProvisionLayers(keys);
    }

    private static string Key(
        ResolvedImage image, ResolvedSource source, ILayeredSourceConfig layered, IReadOnlyList<ResolvedPlugin<ProvisionerConfig>> steps,
        IReadOnlyList<string> dependencies, string directory, PluginCatalog catalog, IRedactor redactor)
    {
        var document = new JsonObject
        {
            ["kiln"] = BuildFingerprint.KilnVersion,
            ["type"] = source.Type,
            ["disk"] = BuildFingerprint.Node(layered.DiskShape),
            ["steps"] = new JsonArray([.. steps.Select(p => BuildFingerprint.Plugin(p.Type, p.Config))]),
            ["dependencies"] = new JsonArray([.. dependencies.Select(f => (JsonNode)JsonValue.Create(f))]),
        };
        BuildFingerprint.AddInputs(document, directory, steps, catalog);

        // Only the secrets these steps (or the disk settings) hold count: a new value invalidates from its first use.
        var texts = Strings(document).ToList();
        var used = image.SensitiveVariables.Where(name =>
            image.Variables.GetValueOrDefault(name) is { Length: > 0 } value && texts.Exists(t => t.Contains(value, StringComparison.Ordinal)));
        document["secrets"] = BuildFingerprint.SecretHashes(image, used);
        return BuildFingerprint.Hash(document, redactor);
    }

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject map => map.SelectMany(p => Strings(p.Value).Prepend(p.Key)),
        JsonArray list => list.SelectMany(Strings),
        JsonValue value when value.TryGetValue<string>(out var text) => [text],
        _ => [],
    };
}
