using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Publishers;

namespace Kiln.Images;

/// <summary>
/// Output folders of builds that ran elsewhere with their publish stage skipped (CI image jobs), as downloaded: every
/// <c>manifest.json</c> under a folder, its unpublished entries, and their files checked against the sha256 and size
/// the manifest recorded. Nothing is trusted before every file of every build has passed; all problems are reported
/// at once.
/// </summary>
internal static class BuiltOutputs
{
    /// <summary>The verified builds under <paramref name="inputs"/>, one per image × source; throws when anything is missing or altered.</summary>
    public static async Task<IReadOnlyList<BuiltOutput>> VerifyAsync(
        string inputs, DefinitionSet definitions, IProgressSink progress, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(inputs))
        {
            throw new KilnException($"{inputs}: no such folder", "Download the CI image jobs' artifacts into it first (one output folder each, manifest.json included).");
        }

        var problems = new List<string>();
        var recorded = new List<(string Manifest, RecordedBuild Build)>();
        foreach (var manifest in Directory.EnumerateFiles(inputs, "manifest.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            recorded.AddRange((await ManifestReader.ReadBuildsAsync(manifest, cancellationToken)).Select(b => (manifest, b)));
        }

        var outputs = new List<BuiltOutput>();
        foreach (var group in recorded.GroupBy(r => r.Build.Name, StringComparer.Ordinal))
        {
            var unpublished = group.Where(r => r.Build.Status == ManifestRecord.Unpublished).ToList();
            if (unpublished.Count == 0)
            {
                if (group.Any(r => r.Build.Status == ManifestRecord.Failed))
                {
                    problems.Add($"{Describe(inputs, group.First().Manifest)}: {group.Key} is recorded as failed");
                }

                continue; // published already (an earlier run's entry): nothing left to publish
            }

            var runs = unpublished.Select(r => r.Build.RunId).Distinct(StringComparer.Ordinal).ToList();
            if (runs.Count > 1)
            {
                problems.Add($"{group.Key} was built by {runs.Count} runs ({string.Join(", ", runs)}): which one to publish is ambiguous");
                continue;
            }

            // The same run's entries may come in several downloads (a later wave carries the outputs it built on).
            var manifest = unpublished[0].Manifest;
            var entries = unpublished.Where(r => r.Manifest == manifest).Select(r => r.Build).ToList();
            var first = entries[0];
            if (!definitions.Images.Any(i => i.Name == first.Image && i.Sources.Any(s => s.Name == first.Source)))
            {
                problems.Add($"{Describe(inputs, manifest)}: {group.Key} has no definition here: publish with the --templates the image jobs built");
                continue;
            }

            // Every copy is checked, not only the one published: an altered copy anywhere means the download cannot be trusted.
            foreach (var file in unpublished.SelectMany(e => e.Build.Artifact.Files))
            {
                if (await CheckAsync(file, progress, cancellationToken) is { } problem)
                {
                    problems.Add($"{Describe(inputs, file.Path)}: {problem}");
                }
            }

            outputs.Add(new BuiltOutput(first.Image, first.Source, first.RunId, first.Fingerprint, Path.GetDirectoryName(manifest)!, [.. entries.Select(e => e.Artifact)]));
        }

        if (recorded.Count == 0)
        {
            problems.Add($"{inputs}: no manifest.json with builds in any input");
        }
        else if (outputs.Count == 0 && problems.Count == 0)
        {
            problems.Add($"{inputs}: no unpublished build in any manifest");
        }

        if (problems.Count > 0)
        {
            throw new KilnException(
                $"refusing to publish: {problems.Count} problem(s) in the built outputs:\n  " + string.Join("\n  ", problems),
                "Publish only whole, unaltered outputs of `BuildImages --skip PublishImages`: download every image job's artifact again, or rebuild.");
        }

        return outputs;
    }

    private static async Task<string?> CheckAsync(Model.ArtifactFile file, IProgressSink progress, CancellationToken cancellationToken)
    {
        var info = new FileInfo(file.Path);
        if (!info.Exists)
        {
            return "missing (a partial download?)";
        }

        if (info.Length != file.Size)
        {
            return $"is {info.Length} bytes, its manifest says {file.Size}";
        }

        if (file.Sha256 is null)
        {
            return "its manifest records no sha256, so it cannot be verified";
        }

        var actual = (await FileHasher.HashAsync(file.Path, [ChecksumType.Sha256], progress, cancellationToken))[ChecksumType.Sha256];
        return string.Equals(actual, file.Sha256, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"sha256 {actual} differs from its manifest's {file.Sha256}: altered or corrupted since it was built";
    }

    private static string Describe(string inputs, string path)
    {
        var relative = Path.GetRelativePath(inputs, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : Path.Combine(Path.GetFileName(inputs.TrimEnd(Path.DirectorySeparatorChar)), relative);
    }
}

/// <summary>One verified image × source: the run that built it and its artifacts, files absolute under <see cref="Root"/>.</summary>
internal sealed record BuiltOutput(string Image, string Source, string RunId, string? Fingerprint, string Root, IReadOnlyList<Model.Artifact> Artifacts)
{
    public string Name => $"{Image}.{Source}";
}
