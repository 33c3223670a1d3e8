using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Kiln.Components.Ci;

/// <summary>
/// The sensitive variables of definition files, read from the YAML as written (before loading, which needs their
/// values), and which of them only publishers use: those are the secrets a CI image job, which skips publishing, never
/// needs, so only the final publish job holds them.
/// </summary>
public static partial class SensitiveVariables
{
    /// <summary>Loading needs a value for every variable; this one stands in where the secret is never used.</summary>
    public const string Placeholder = "kiln-ci-placeholder";

    /// <summary>Every sensitive variable declared in the definitions at <paramref name="templates"/> (a file or folder).</summary>
    public static IReadOnlyList<string> All(string templates) => [.. Read(templates).Select(v => v.Name).Distinct()];

    /// <summary>The sensitive variables that only <c>publish:</c> chains refer to, in any definition that declares them.</summary>
    public static IReadOnlyList<string> PublishOnly(string templates) =>
        [.. Read(templates).GroupBy(v => v.Name).Where(g => g.All(v => v.PublishOnly)).Select(g => g.Key)];

    private static IEnumerable<(string Name, bool PublishOnly)> Read(string templates)
    {
        var files = File.Exists(templates) ? [templates]
            : Directory.Exists(templates) ? Directory.EnumerateFiles(templates, "*.kiln.y*ml", SearchOption.AllDirectories)
            : [];
        foreach (var file in files)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(File.ReadAllText(file)));
            }
            catch (YamlDotNet.Core.YamlException)
            {
                continue; // the loader reports it with its location
            }

            if (stream.Documents.FirstOrDefault()?.RootNode is not YamlMappingNode root
                || !root.Children.TryGetValue("variables", out var variables) || variables is not YamlMappingNode map)
            {
                continue;
            }

            var publish = root.Children.Where(e => e.Key.ToString() == "publish").SelectMany(e => Scalars(e.Value)).ToList();
            var elsewhere = root.Children.Where(e => e.Key.ToString() is not ("publish" or "variables")).SelectMany(e => Scalars(e.Value)).ToList();
            foreach (var (key, value) in map.Children)
            {
                if (value is YamlMappingNode body && body.Children.TryGetValue("sensitive", out var flag) && flag.ToString() == "true")
                {
                    var name = key.ToString();
                    yield return (name, publish.Any(text => Refers(text, name)) && !elsewhere.Any(text => Refers(text, name)));
                }
            }
        }
    }

    /// <summary>Whether a value interpolates <c>var.&lt;name&gt;</c> (an expression may index it further: <c>var.name.key</c>).</summary>
    private static bool Refers(string text, string name) =>
        VariableReference().Matches(text).Any(m => m.Groups[1].Value == name);

    private static IEnumerable<string> Scalars(YamlNode node) => node.AllNodes.OfType<YamlScalarNode>().Select(s => s.Value ?? "");

    [GeneratedRegex(@"\bvar\.([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex VariableReference();
}
