using System.Text.Json.Nodes;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Publishers;

/// <summary>
/// Records each input artifact as one entry of a Packer-compatible manifest and passes the artifacts on unchanged
/// (like Packer's manifest post-processor), so it can sit anywhere in a chain.
/// </summary>
internal sealed class ManifestPublisher : Publisher<ManifestConfig>
{
    public override string Type => "manifest";

    /// <summary>
    /// The run-wide manifest the session names; without one, manifest.json at the output root, shared by every build
    /// of the run: a build's output directory is <c>&lt;output root&gt;/&lt;image&gt;/&lt;source&gt;</c> (see BuildRun).
    /// </summary>
    public static string DefaultPath(BuildContext context) =>
        context.ManifestPath ?? Path.GetFullPath(Path.Combine(context.OutputDirectory, "..", "..", "manifest.json"));

    protected override async Task<IReadOnlyList<Artifact>> PublishAsync(
        ManifestConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var path = config.Output is { } output ? context.Image.ResolvePath(output) : DefaultPath(context);
        var manifestDirectory = Path.GetDirectoryName(path)!;
        var buildTime = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var entries = new List<JsonObject>();
        foreach (var artifact in inputs)
        {
            var files = new List<(string Name, long Size, string? Sha256)>();
            foreach (var file in artifact.Files)
            {
                var full = Path.GetFullPath(file.Path);
                var sha256 = file.Sha256;
                if (sha256 is null && config.Checksums && File.Exists(full))
                {
                    sha256 = (await FileHasher.HashAsync(full, [ChecksumType.Sha256], state.Digests, context.Progress, cancellationToken))[ChecksumType.Sha256];
                }

                files.Add((ManifestPaths.ToEntry(manifestDirectory, full), file.Size, sha256));
            }

            entries.Add(Entry(config, state, artifact, files, buildTime));
        }

        if (entries.Count > 0)
        {
            await ManifestFile.AppendAsync(path, entries, context.RunId, config.LockTimeout, context.Ledger, cancellationToken);
            context.Log.Info($"manifest: recorded {entries.Count} artifact(s) in {path}");
        }

        return inputs;
    }

    private static JsonObject Entry(
        ManifestConfig config, BuildState state, Artifact artifact, List<(string Name, long Size, string? Sha256)> files, long buildTime)
    {
        var context = state.Context;
        string Clean(string text) => context.Redactor.Redact(text);
        JsonObject Map(IEnumerable<KeyValuePair<string, string>> values) =>
            new(values.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)Clean(v.Value))));

        var customData = new Dictionary<string, string>(artifact.CustomData);
        foreach (var (key, value) in config.CustomData)
        {
            customData[key] = value;
        }

        var failed = state.Timings.Any(t => t.Outcome is StepOutcome.Failed or StepOutcome.Cancelled) || state.Checks.Any(c => !c.Passed);
        return new JsonObject
        {
            ["name"] = context.BuildName,
            ["builder_type"] = artifact.BuilderType,
            ["build_time"] = buildTime,
            ["files"] = new JsonArray([.. files.Select(f => new JsonObject { ["name"] = f.Name, ["size"] = f.Size })]),
            ["artifact_id"] = Clean(artifact.Id),
            ["packer_run_uuid"] = context.RunId,
            ["custom_data"] = Map(customData),
            ["kiln"] = new JsonObject
            {
                ["image"] = context.Image.Name,
                ["source"] = context.Source.Name,
                ["source_type"] = context.Source.Type,
                ["status"] = failed ? ManifestRecord.Failed : ManifestRecord.Succeeded,
                ["fingerprint"] = state.Fingerprint,
                ["files"] = new JsonArray([.. files.Select(f => new JsonObject { ["name"] = f.Name, ["size"] = f.Size, ["sha256"] = f.Sha256 })]),
                ["outputs"] = Map(artifact.Outputs),
                ["stages"] = new JsonObject(state.Timings
                    .GroupBy(t => t.Stage)
                    .OrderBy(g => g.Key)
                    .Select(g => KeyValuePair.Create(g.Key.ToString().ToLowerInvariant(), (JsonNode?)Seconds(g.Sum(t => t.Duration.TotalSeconds))))),
                ["steps"] = new JsonArray([.. state.Timings.Select(t => new JsonObject
                {
                    ["name"] = t.Step,
                    ["stage"] = t.Stage.ToString().ToLowerInvariant(),
                    ["seconds"] = Seconds(t.Duration.TotalSeconds),
                    ["outcome"] = t.Outcome.ToString().ToLowerInvariant(),
                })]),
                ["checks"] = new JsonArray([.. state.Checks.Select(c => new JsonObject
                {
                    ["check"] = c.Check,
                    ["passed"] = c.Passed,
                    ["detail"] = c.Detail is null ? null : Clean(c.Detail),
                })]),
            },
        };
    }

    private static double Seconds(double value) => Math.Round(value, 3);
}
