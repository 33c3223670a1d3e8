using System.Collections;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Images;
using YamlDotNet.RepresentationModel;

namespace Kiln.Components.Ci;

/// <summary>
/// What the generated CI configuration runs: image builds grouped in waves so that an image runs only after the
/// images it depends on (their outputs are downloaded before it starts), each wave a matrix of image × source.
/// </summary>
public sealed record CiPlan(IReadOnlyList<CiWave> Waves, string BuildScript, string Templates)
{
    /// <summary>
    /// The plan for the definitions <paramref name="settings"/> point at. Generating CI must not need the secrets the
    /// CI will hold, so sensitive variables without a value get a placeholder for loading only: the plan carries
    /// their names, never a value.
    /// </summary>
    public static CiPlan Load(ImageBuildSettings settings, string rootDirectory)
    {
        var templates = Path.GetFullPath(settings.Templates, settings.WorkingDirectory);
        var environment = settings.Environment?.ToDictionary(StringComparer.Ordinal)
            ?? Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => e.Value as string ?? "", StringComparer.Ordinal);
        foreach (var name in SensitiveVariables(templates))
        {
            environment.TryAdd($"KILN_VAR_{name}", "kiln-ci-placeholder");
        }

        var definitions = KilnImages.Load(settings with { Environment = environment });
        return From(definitions, Path.GetRelativePath(rootDirectory, templates));
    }

    private static IEnumerable<string> SensitiveVariables(string templates)
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

            if (stream.Documents.FirstOrDefault()?.RootNode is YamlMappingNode root
                && root.Children.TryGetValue("variables", out var variables) && variables is YamlMappingNode map)
            {
                foreach (var (key, value) in map.Children)
                {
                    if (value is YamlMappingNode body && body.Children.TryGetValue("sensitive", out var flag) && flag.ToString() == "true")
                    {
                        yield return key.ToString();
                    }
                }
            }
        }
    }

    /// <summary>The plan for every definition in <paramref name="definitions"/>, in a stable order.</summary>
    public static CiPlan From(DefinitionSet definitions, string templates, string buildScript = "./build.sh")
    {
        var images = definitions.Images.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in definitions.BuildOrder())
        {
            var image = images[name];
            depth[name] = image.DependsOn.Select(d => depth.TryGetValue(d.Name, out var level) ? level + 1 : 0).DefaultIfEmpty(0).Max();
        }

        var waves = depth
            .GroupBy(pair => pair.Value)
            .OrderBy(group => group.Key)
            .Select(group =>
            {
                var entries = group
                    .Select(pair => images[pair.Key])
                    .OrderBy(image => image.Name, StringComparer.Ordinal)
                    .SelectMany(image => image.Sources.Select(source => new CiBuild(image.Name, source.Name, CiHostPackages.For(definitions, image.Name, source.Name))))
                    .ToList();
                var secrets = group
                    .SelectMany(pair => images[pair.Key].Variables)
                    .Where(v => v.Sensitive)
                    .Select(v => CiSecret.For(v.Name))
                    .Distinct()
                    .OrderBy(s => s.EnvironmentVariable, StringComparer.Ordinal)
                    .ToList();
                return new CiWave(group.Key + 1, entries, secrets);
            })
            .Where(wave => wave.Builds.Count > 0)
            .ToList();
        return new CiPlan(waves, buildScript, templates.Replace('\\', '/'));
    }
}

/// <summary>One matrix job: builds that may all run at once because everything they depend on ran in earlier waves.</summary>
public sealed record CiWave(int Number, IReadOnlyList<CiBuild> Builds, IReadOnlyList<CiSecret> Secrets)
{
    public string JobId => $"images_{Number}";
}

/// <summary>One image × source, built by its own runner, which installs <paramref name="Packages"/> first.</summary>
public sealed record CiBuild(string Image, string Source, IReadOnlyList<string> Packages)
{
    /// <summary>The packages as one argument list for apt-get install.</summary>
    public string PackageList => string.Join(' ', Packages);

    /// <summary>Whether the build boots QEMU machines, which run far faster where the runner offers KVM.</summary>
    public bool UsesQemu => Packages.Contains(HostRequirement.QemuSystem.Package);

    /// <summary>The CI artifact carrying this build's output folder and manifest.</summary>
    public string ArtifactName => $"image-{Image}-{Source}";
}

/// <summary>A sensitive definition variable, fed from the CI secret store: only names appear in the generated files.</summary>
public sealed record CiSecret(string EnvironmentVariable, string SecretName)
{
    public static CiSecret For(string variable) => new($"KILN_VAR_{variable}", $"KILN_VAR_{variable.ToUpperInvariant()}");
}
