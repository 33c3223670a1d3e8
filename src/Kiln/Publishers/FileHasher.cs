using System.Security.Cryptography;
using Kiln.Engine;

namespace Kiln.Publishers;

/// <summary>
/// Hashes a file once for every requested algorithm, in one pass with two large buffers: the next read is in
/// flight while the current block is hashed, so disk and CPU overlap and memory stays at two buffers.
/// </summary>
internal static class FileHasher
{
    /// <summary>Like <see cref="HashAsync(string, IReadOnlyCollection{ChecksumType}, IProgressSink, CancellationToken)"/>, reading the file only for digests <paramref name="digests"/> does not hold yet.</summary>
    public static async Task<IReadOnlyDictionary<ChecksumType, string>> HashAsync(
        string path, IReadOnlyCollection<ChecksumType> types, FileDigests digests, IProgressSink progressSink, CancellationToken cancellationToken)
    {
        var result = new Dictionary<ChecksumType, string>();
        foreach (var type in types.Distinct())
        {
            if (digests.Find(path, Algorithm(type)) is { } known)
            {
                result[type] = known;
            }
        }

        var missing = types.Distinct().Where(t => !result.ContainsKey(t)).ToList();
        if (missing.Count > 0)
        {
            var before = new FileInfo(Path.GetFullPath(path));
            foreach (var (type, hex) in await HashAsync(path, missing, progressSink, cancellationToken))
            {
                result[type] = hex;
                digests.Remember(before, Algorithm(type), hex);
            }
        }

        return result;
    }

    public static async Task<IReadOnlyDictionary<ChecksumType, string>> HashAsync(
        string path, IReadOnlyCollection<ChecksumType> types, IProgressSink progressSink, CancellationToken cancellationToken)
    {
        var hashes = types.Distinct().ToDictionary(t => t, t => IncrementalHash.CreateHash(Algorithm(t)));
        try
        {
            await using var stream = StreamCopy.OpenRead(path);
            using var progress = progressSink.Start($"{string.Join("+", hashes.Keys).ToLowerInvariant()} {Path.GetFileName(path)}", stream.Length);
            byte[][] buffers = [new byte[StreamCopy.BufferSize], new byte[StreamCopy.BufferSize]];
            var current = 0;
            var read = await stream.ReadAsync(buffers[current], cancellationToken);
            while (read > 0)
            {
                var next = stream.ReadAsync(buffers[current ^ 1], cancellationToken).AsTask();
                var block = new ReadOnlyMemory<byte>(buffers[current], 0, read);
                if (hashes.Count == 1)
                {
                    hashes.Values.First().AppendData(block.Span);
                }
                else
                {
                    Parallel.ForEach(hashes.Values, hash => hash.AppendData(block.Span));
                }

                progress.Advance(read);
                read = await next;
                current ^= 1;
            }

            return hashes.ToDictionary(h => h.Key, h => Convert.ToHexStringLower(h.Value.GetHashAndReset()));
        }
        finally
        {
            foreach (var hash in hashes.Values)
            {
                hash.Dispose();
            }
        }
    }

    public static HashAlgorithmName Algorithm(ChecksumType type) => type switch
    {
        ChecksumType.Sha256 => HashAlgorithmName.SHA256,
        ChecksumType.Sha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
