using Kiln.Model;

namespace Kiln.Publishers;

/// <summary>One earlier run of an image × source as its manifest entries recorded it: what an incremental build may reuse.</summary>
internal sealed record ManifestRecord(string RunId, string? Fingerprint, DateTimeOffset BuildTime, IReadOnlyList<Artifact> Artifacts)
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>Recorded files that are gone or whose size changed since the run.</summary>
    public IReadOnlyList<string> MissingFiles() =>
        [.. Artifacts.SelectMany(a => a.Files).Where(f => !File.Exists(f.Path) || new FileInfo(f.Path).Length != f.Size).Select(f => f.Path)];

    /// <summary>True when this run built exactly these inputs and everything it wrote is still there.</summary>
    public bool IsReusableFor(string fingerprint) =>
        string.Equals(Fingerprint, fingerprint, StringComparison.Ordinal) && MissingFiles().Count == 0;
}
