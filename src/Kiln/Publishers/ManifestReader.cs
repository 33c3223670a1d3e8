using System.Text.Json.Nodes;
using Kiln.Model;

namespace Kiln.Publishers;

/// <summary>The reading side of the manifest, for incremental builds: what did the last good run of a build produce?</summary>
internal static class ManifestReader
{
    /// <summary>
    /// The entries of the most recent run that recorded <paramref name="image"/> × <paramref name="source"/> as
    /// succeeded, or null. File paths come back absolute. Entries written by Packer (no <c>kiln</c> object) are ignored.
    /// </summary>
    public static async Task<ManifestRecord?> FindLastSuccessfulAsync(
        string manifestPath, string image, string source, CancellationToken cancellationToken)
    {
        var document = await ManifestFile.ReadAsync(manifestPath, cancellationToken);
        if (document?["builds"] is not JsonArray builds)
        {
            return null;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        var matching = builds
            .OfType<JsonObject>()
            .Where(b => b["kiln"] is JsonObject kiln
                && Text(kiln, "image") == image
                && Text(kiln, "source") == source
                && Text(kiln, "status") == ManifestRecord.Succeeded)
            .ToList();
        if (matching.Count == 0)
        {
            return null;
        }

        var runId = Text(matching[^1], "packer_run_uuid") ?? string.Empty;
        var run = matching.Where(b => Text(b, "packer_run_uuid") == runId).ToList();
        var last = run[^1];
        return new ManifestRecord(
            runId,
            Text((JsonObject)last["kiln"]!, "fingerprint"),
            DateTimeOffset.FromUnixTimeSeconds(last["build_time"]?.GetValue<long>() ?? 0),
            [.. run.Select(b => ToArtifact(b, directory))]);
    }

    private static Artifact ToArtifact(JsonObject build, string directory)
    {
        var kiln = (JsonObject)build["kiln"]!;
        var files = (kiln["files"] as JsonArray ?? build["files"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(f => new ArtifactFile(
                ManifestPaths.FromEntry(directory, Text(f, "name") ?? string.Empty),
                f["size"]?.GetValue<long>() ?? 0,
                Text(f, "sha256")))
            .ToList();
        return new Artifact
        {
            BuilderType = Text(build, "builder_type") ?? string.Empty,
            Id = Text(build, "artifact_id") ?? string.Empty,
            Files = files,
            Outputs = Strings(kiln["outputs"]),
            CustomData = Strings(build["custom_data"]),
        };
    }

    private static string? Text(JsonObject node, string key) =>
        node[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static Dictionary<string, string> Strings(JsonNode? node) =>
        node is JsonObject map
            ? map.Where(p => p.Value is JsonValue v && v.TryGetValue<string>(out _)).ToDictionary(p => p.Key, p => p.Value!.GetValue<string>())
            : [];
}
