using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Kiln.Engine;

/// <summary>
/// Digests of the files one build has already read, so that a manifest written after a checksum publisher does not
/// read the same gigabytes again. A digest holds only while the file keeps the length and write time it had when
/// it was hashed: a publisher that rewrote the file in between gets it hashed afresh.
/// </summary>
public sealed class FileDigests
{
    private readonly ConcurrentDictionary<(string Path, HashAlgorithmName Algorithm), Known> _known = new();

    public string? Find(string path, HashAlgorithmName algorithm)
    {
        var full = Path.GetFullPath(path);
        return _known.TryGetValue((full, algorithm), out var known) && known.Matches(new FileInfo(full)) ? known.Hex : null;
    }

    /// <summary>Keeps <paramref name="hex"/> if the file still looks as it did before it was read (<paramref name="before"/>).</summary>
    public void Remember(FileInfo before, HashAlgorithmName algorithm, string hex)
    {
        var now = new FileInfo(before.FullName);
        if (now.Exists && now.Length == before.Length && now.LastWriteTimeUtc == before.LastWriteTimeUtc)
        {
            _known[(now.FullName, algorithm)] = new Known(now.Length, now.LastWriteTimeUtc, hex);
        }
    }

    private sealed record Known(long Length, DateTime Written, string Hex)
    {
        public bool Matches(FileInfo file) => file.Exists && file.Length == Length && file.LastWriteTimeUtc == Written;
    }
}
