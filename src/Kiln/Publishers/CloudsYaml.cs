using Kiln.Definitions.Yaml;
using Kiln.Diagnostics;

namespace Kiln.Publishers;

/// <summary>One cloud of an openstack clouds.yaml, flattened: the keys of its <c>auth</c> mapping plus its top-level scalars (region_name, interface).</summary>
internal static class CloudsYaml
{
    public static IReadOnlyDictionary<string, string> Find(string cloud, IReadOnlyList<string> paths)
    {
        foreach (var path in paths.Where(File.Exists))
        {
            var diagnostics = new List<KilnDiagnostic>();
            var root = YamlReader.Read(path, File.ReadAllText(path), diagnostics);
            if (diagnostics.Count > 0)
            {
                throw new DefinitionException(diagnostics);
            }

            if ((root as YamlMap)?["clouds"] is not YamlMap clouds)
            {
                continue;
            }

            if (clouds[cloud] is not YamlMap entry)
            {
                throw new KilnException(
                    $"openstack-image: {path} has no cloud named '{cloud}'",
                    $"clouds there: {string.Join(", ", clouds.Entries.Select(e => e.Key.Value))}; set OS_CLOUD or the publisher's cloud to one of them");
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in entry.Entries)
            {
                if (value is YamlScalar { IsNull: false } scalar)
                {
                    values[key.Value] = scalar.Value;
                }
            }

            if (entry["auth"] is YamlMap auth)
            {
                foreach (var (key, value) in auth.Entries)
                {
                    if (value is YamlScalar { IsNull: false } scalar)
                    {
                        values[key.Value] = scalar.Value;
                    }
                }
            }

            return values;
        }

        throw new KilnException(
            $"openstack-image: cloud '{cloud}' is named, but no clouds.yaml was found (looked in {string.Join(", ", paths)})",
            "write the cloud into ~/.config/openstack/clouds.yaml, or point OS_CLIENT_CONFIG_FILE at one, or unset OS_CLOUD and use the OS_* variables");
    }
}
