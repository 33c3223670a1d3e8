using Kiln.Definitions;

namespace Kiln.Components.Ci;

/// <summary>
/// What the generated CI configuration runs: image builds grouped in waves so that an image runs only after the
/// images it depends on (their outputs are downloaded before it starts), each wave a matrix of image × source.
/// </summary>
public sealed record CiPlan(IReadOnlyList<CiWave> Waves, string BuildScript, string Templates)
{
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
                    .SelectMany(image => image.Sources.Select(source => new CiBuild(image.Name, source.Name)))
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

/// <summary>One image × source, built by its own runner.</summary>
public sealed record CiBuild(string Image, string Source)
{
    /// <summary>The CI artifact carrying this build's output folder and manifest.</summary>
    public string ArtifactName => $"image-{Image}-{Source}";
}

/// <summary>A sensitive definition variable, fed from the CI secret store: only names appear in the generated files.</summary>
public sealed record CiSecret(string EnvironmentVariable, string SecretName)
{
    public static CiSecret For(string variable) => new($"KILN_VAR_{variable}", $"KILN_VAR_{variable.ToUpperInvariant()}");
}
