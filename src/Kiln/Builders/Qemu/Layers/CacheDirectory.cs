using System.Security.Cryptography;
using System.Text.Json;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// How the layer cache and the saved machines keep entries: one directory per key holding a JSON record and a
/// <c>used</c> stamp (for least-recently-used eviction). An entry is written in a ledgered <c>.partial-*</c> directory
/// and counts only once renamed into place, so a killed build's half-written entry is never used and is swept. Builds
/// using an entry hold a shared lock on <c>&lt;key&gt;.lock</c> beside it; removal takes it exclusively and skips what
/// is in use.
/// </summary>
internal abstract class CacheDirectory<TInfo>(string root, string infoFile)
    where TInfo : class
{
    private const string UsedFile = "used";
    private const string PartialPrefix = ".partial-";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Root { get; } = root;

    public string DirectoryOf(string key) => Path.Combine(Root, Name(key));

    /// <summary>The entry's record if it is complete (renamed into place); null otherwise.</summary>
    public TInfo? Find(string key)
    {
        var file = Path.Combine(DirectoryOf(key), infoFile);
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<TInfo>(File.ReadAllText(file), Json) : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public IReadOnlyList<TInfo> All() =>
        Directory.Exists(Root)
            ? [.. Directory.EnumerateDirectories(Root).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Select(n => Find("sha256:" + n)).OfType<TInfo>()]
            : [];

    /// <summary>A shared lock that keeps the entry from being removed while a build uses it; null if the cache cannot be locked.</summary>
    public FileStream? TryLockShared(string key) => TryLock(key, FileAccess.Read, FileShare.ReadWrite);

    /// <summary>Marks the entry as used now, for least-recently-used eviction.</summary>
    public void Touch(string key)
    {
        try
        {
            File.SetLastWriteTimeUtc(Path.Combine(DirectoryOf(key), UsedFile), DateTime.UtcNow);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read-only cache still serves its entries; only eviction order suffers.
        }
    }

    public DateTime LastUsed(string key) => File.GetLastWriteTimeUtc(Path.Combine(DirectoryOf(key), UsedFile));

    /// <summary>
    /// A directory to write a new entry in, recorded in the ledger first so a killed build's half-written entry is
    /// swept; disposing it deletes what was not committed.
    /// </summary>
    public Task<LedgeredDirectory> CreatePartialAsync(ILedger ledger, CancellationToken cancellationToken) =>
        LedgeredDirectory.CreateAsync(ledger, Path.Combine(Root, $"{PartialPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"), cancellationToken);

    /// <summary>Writes the record and renames the partial directory into place; false if another build made the same entry first.</summary>
    protected async Task<bool> CommitAsync(string partial, string key, TInfo info, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(partial, infoFile), JsonSerializer.Serialize(info, Json), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(partial, UsedFile), "", cancellationToken);
        try
        {
            Directory.Move(partial, DirectoryOf(key));
            return true;
        }
        catch (IOException) when (Directory.Exists(DirectoryOf(key)))
        {
            return false;
        }
    }

    /// <summary>The exclusive lock removal needs; null while a build uses the entry (or the cache cannot be locked).</summary>
    protected FileStream? TryLockExclusive(string key) => TryLock(key, FileAccess.ReadWrite, FileShare.None);

    private FileStream? TryLock(string key, FileAccess access, FileShare share)
    {
        try
        {
            Directory.CreateDirectory(Root);
            return new FileStream(LockOf(key), FileMode.OpenOrCreate, access, share);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Moves the entry out of sight, then deletes it; returns the bytes freed. The caller holds its exclusive lock.</summary>
    protected long Delete(string key)
    {
        var trash = Path.Combine(Root, $".deleting-{Guid.NewGuid():N}");
        try
        {
            Directory.Move(DirectoryOf(key), trash);
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }

        var freed = SizeOf(trash);
        Directory.Delete(trash, recursive: true);
        return freed;
    }

    protected string LockOf(string key) => DirectoryOf(key) + ".lock";

    public static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    /// <summary>The first 12 hex digits of a key, as logs name an entry.</summary>
    public static string Short(string key) => Name(key)[..Math.Min(12, Name(key).Length)];

    public static string Name(string key) => key.StartsWith("sha256:", StringComparison.Ordinal) ? key["sha256:".Length..] : key;

    public static long SizeOf(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory).Sum(f => new FileInfo(f).Length) : 0;
}
