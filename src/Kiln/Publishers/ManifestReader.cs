using System.Text.Json.Nodes;
using Kiln.Model;

namespace Kiln.Publishers;

/// <summary>The reading side of the manifest, for incremental builds: what did the last good run of a build produce?</summary>
internal static class ManifestReader
{
    /// <summary>
    /// The entries of the most recent run that recorded <paramref name="image"/> × <paramref name="source"/> as
    /// succeeded, or null. File paths come back absolute. Entries written by Packer (no <c>kiln</c> object) are ignored.
    /// A run that does not publish (<paramref name="acceptUnpublished"/>) may also reuse a build recorded as verified
    /// but unpublished; a run that publishes may not, since that build's publishers never ran.
    /// </summary>
    public static async Task<ManifestRecord?> FindLastSuccessfulAsync(
        string manifestPath, string image, string source, CancellationToken cancellationToken, bool acceptUnpublished = false)
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
                && (Text(kiln, "status") == ManifestRecord.Succeeded || (acceptUnpublished && Text(kiln, "status") == ManifestRecord.Unpublished)))
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

    /// <summary>Every entry Kiln wrote in the manifest at <paramref name="manifestPath"/>, in file order; file paths come back absolute.</summary>
    public static async Task<IReadOnlyList<RecordedBuild>> ReadBuildsAsync(string manifestPath, CancellationToken cancellationToken)
    {
        var document = await ManifestFile.ReadAsync(manifestPath, cancellationToken);
        var directory = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        return [.. (document?["builds"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(b => b["kiln"] is JsonObject)
            .Select(b =>
            {
                var kiln = (JsonObject)b["kiln"]!;
                return new RecordedBuild(
                    Text(kiln, "image") ?? string.Empty,
                    Text(kiln, "source") ?? string.Empty,
                    Text(kiln, "status") ?? string.Empty,
                    Text(b, "packer_run_uuid") ?? string.Empty,
                    Text(kiln, "fingerprint"),
                    ToArtifact(b, directory));
            })];
    }

    private static Artifact ToArtifact(JsonObject build, string directory)
    {
        var kiln = (JsonObject)build["kiln"]!;
        var entries = (kiln["files"] as JsonArray ?? build["files"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(f => (Name: Text(f, "name") ?? string.Empty, File: new ArtifactFile(
                ManifestPaths.FromEntry(directory, Text(f, "name") ?? string.Empty),
                f["size"]?.GetValue<long>() ?? 0,
                Text(f, "sha256"))))
            .ToList();
        return new Artifact
        {
            BuilderType = Text(build, "builder_type") ?? string.Empty,
            Id = Text(build, "artifact_id") ?? string.Empty,
            Files = [.. entries.Select(e => e.File)],
            Outputs = FollowFiles(Strings(kiln["outputs"]), [.. entries.Select(e => (e.Name, e.File.Path))]),
            CustomData = Strings(build["custom_data"]),
        };
    }

    /// <summary>
    /// Outputs that name one of the artifact's files by the absolute path it had where it was built (qcow2:
    /// /home/runner/…/output/images/web/qemu/web.qcow2, recorded as web/qemu/web.qcow2) point at that file where it
    /// is now: an output folder moved whole, or downloaded onto another CI runner, still resolves.
    /// </summary>
    internal static Dictionary<string, string> FollowFiles(IReadOnlyDictionary<string, string> outputs, IReadOnlyList<(string Name, string Path)> files)
    {
        var relative = files.Where(f => !Path.IsPathRooted(f.Name)).Select(f => (Suffix: "/" + f.Name, f.Path)).ToList();
        return outputs.ToDictionary(
            o => o.Key,
            o => Path.IsPathRooted(o.Value) && relative.FirstOrDefault(f => o.Value.Replace('\\', '/').EndsWith(f.Suffix, StringComparison.Ordinal)) is { Path: { } now }
                ? now
                : o.Value,
            StringComparer.Ordinal);
    }

    private static string? Text(JsonObject node, string key) =>
        node[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static Dictionary<string, string> Strings(JsonNode? node) =>
        node is JsonObject map
            ? map.Where(p => p.Value is JsonValue v && v.TryGetValue<string>(out _)).ToDictionary(p => p.Key, p => p.Value!.GetValue<string>())
            : [];
}

/// <summary>One manifest entry Kiln wrote: which build, how it ended, and the artifact it recorded.</summary>
internal sealed record RecordedBuild(string Image, string Source, string Status, string RunId, string? Fingerprint, Artifact Artifact)
{
    public string Name => $"{Image}.{Source}";
}
