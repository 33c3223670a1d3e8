using System.Text.Json;
using System.Text.Json.Nodes;
using Kiln.Diagnostics;

namespace Kiln.Components.Ci;

/// <summary>
/// Joins the outputs of image builds that ran on separate CI runners into one output folder: each input is an output
/// folder (<c>&lt;image&gt;/&lt;source&gt;/...</c> plus <c>manifest.json</c>); image folders are copied as they are (manifest
/// entries are relative, so they stay valid) and the manifests' <c>builds[]</c> are concatenated into one Packer-shaped
/// manifest with a new <c>last_run_uuid</c>. The merged manifest lands with a rename, never half-written.
/// </summary>
public static class ManifestMerger
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Merges every folder under <paramref name="inputsDirectory"/> into <paramref name="outputDirectory"/>; returns the manifest path.</summary>
    public static async Task<MergeResult> MergeAsync(string inputsDirectory, string outputDirectory, string runId, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(inputsDirectory))
        {
            throw new KilnException($"{inputsDirectory}: no such folder", "Download the per-build CI artifacts into it first (one folder per artifact).");
        }

        Directory.CreateDirectory(outputDirectory);
        var manifestPath = Path.Combine(outputDirectory, "manifest.json");
        var builds = new JsonArray();
        var existing = await ReadAsync(manifestPath, cancellationToken);
        if (existing?["builds"] is JsonArray previous)
        {
            foreach (var build in previous.ToList())
            {
                previous.Remove(build);
                builds.Add(build);
            }
        }

        var inputs = Directory.GetFiles(inputsDirectory, "manifest.json", SearchOption.AllDirectories)
            .Select(Path.GetDirectoryName)
            .OfType<string>()
            .OrderBy(d => d, StringComparer.Ordinal)
            .ToList();
        if (inputs.Count == 0)
        {
            throw new KilnException($"{inputsDirectory}: no manifest.json in any input", "Each image job uploads its whole output folder, manifest included; check that the downloads ran.");
        }

        foreach (var input in inputs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var document = await ReadAsync(Path.Combine(input, "manifest.json"), cancellationToken);
            foreach (var build in (document?["builds"] as JsonArray)?.ToList() ?? [])
            {
                ((JsonArray)document!["builds"]!).Remove(build);
                builds.Add(build);
            }

            CopyTree(input, outputDirectory);
        }

        var merged = new JsonObject { ["builds"] = builds, ["last_run_uuid"] = runId };
        var temporary = manifestPath + $".{Environment.ProcessId}.tmp";
        await File.WriteAllBytesAsync(temporary, JsonSerializer.SerializeToUtf8Bytes(merged, Indented), cancellationToken);
        File.Move(temporary, manifestPath, overwrite: true);
        return new MergeResult(manifestPath, inputs.Count, builds.Count);
    }

    private static void CopyTree(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative is "manifest.json" or "manifest.json.lock")
            {
                continue;
            }

            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private static async Task<JsonObject?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(await File.ReadAllBytesAsync(path, cancellationToken)) as JsonObject
                ?? throw new KilnException($"{path}: not a manifest (expected a JSON object)", "Check the artifact this manifest came from.");
        }
        catch (JsonException ex)
        {
            throw new KilnException($"{path}: not valid JSON: {ex.Message}", "Check the artifact this manifest came from.");
        }
    }
}

public sealed record MergeResult(string ManifestPath, int Inputs, int Builds);
