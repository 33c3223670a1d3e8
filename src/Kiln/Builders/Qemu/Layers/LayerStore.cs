using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// Provisioning layers under <c>&lt;cache&gt;/layers</c>, one directory per key holding <c>disk.qcow2</c> and
/// <c>layer.json</c>. A layer is written in a ledgered <c>.partial-*</c> directory and counts only once renamed into
/// place. Builds using a layer (and the layers under it) hold a shared lock on <c>&lt;key&gt;.lock</c>; eviction and
/// removal take it exclusively and skip what is in use. Least recently used layers go first.
/// </summary>
internal sealed class LayerStore(string root)
{
    public const string DiskFile = "disk.qcow2";
    private const string InfoFile = "layer.json";
    private const string UsedFile = "used";
    private const string PartialPrefix = ".partial-";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Root { get; } = root;

    /// <summary>Saved, booted machines of bases (warm boots): kept, counted and evicted with the layers.</summary>
    public WarmStore Warm { get; } = new(Path.Combine(root, "warm"));

    public static LayerStore In(ImageCache cache) => new(Path.Combine(cache.Root, "layers"));

    public string DirectoryOf(string key) => Path.Combine(Root, Name(key));

    public string DiskOf(string key) => Path.Combine(DirectoryOf(key), DiskFile);

    /// <summary>The layer's record if it is complete (renamed into place); null otherwise.</summary>
    public LayerInfo? Find(string key)
    {
        var file = Path.Combine(DirectoryOf(key), InfoFile);
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<LayerInfo>(File.ReadAllText(file), Json) : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public IReadOnlyList<LayerInfo> All() =>
        Directory.Exists(Root)
            ? [.. Directory.EnumerateDirectories(Root).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Select(n => Find("sha256:" + n)).OfType<LayerInfo>()]
            : [];

    /// <summary>Why the layer's disk cannot be used (missing, truncated, changed), or null when its digest and size match its record.</summary>
    public async Task<string?> ProblemAsync(LayerInfo layer, CancellationToken cancellationToken)
    {
        var disk = DiskOf(layer.Key);
        if (!File.Exists(disk))
        {
            return "its disk is missing";
        }

        var size = new FileInfo(disk).Length;
        if (size != layer.Size)
        {
            return string.Create(CultureInfo.InvariantCulture, $"its disk is {size} bytes, not the {layer.Size} recorded (truncated?)");
        }

        var digest = await HashAsync(disk, cancellationToken);
        return digest == layer.Sha256 ? null : $"its disk's sha256 is {digest}, not the {layer.Sha256} recorded";
    }

    /// <summary>A shared lock that keeps the layer from being evicted while a build uses it; null if the cache cannot be locked.</summary>
    public FileStream? TryLockShared(string key)
    {
        try
        {
            Directory.CreateDirectory(Root);
            return new FileStream(LockOf(key), FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A directory to write a new layer in, recorded in the ledger first so a killed build's half-written layer is swept.</summary>
    internal static async Task<ILedgerEntry> CreatePartialAsync(string root, ILedger ledger, CancellationToken cancellationToken)
    {
        var path = Path.Combine(root, $"{PartialPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        var entry = await ledger.RecordAsync(new LedgerResource(DirectorySweeper.ResourceKind, path), cancellationToken);
        try
        {
            Directory.CreateDirectory(path);
        }
        catch
        {
            await entry.ReleaseAsync(CancellationToken.None);
            throw;
        }

        return entry;
    }

    /// <summary>
    /// Copies <paramref name="sealedDisk"/> (a qcow2 holding one step's changes) into the cache as layer
    /// <paramref name="key"/>, pointed at <paramref name="parent"/>'s disk. It is written in a ledgered partial directory
    /// and renamed into place whole; false if another build made the same layer first.
    /// </summary>
    public async Task<bool> AddAsync(BuildContext context, string key, LayerParent parent, int step, int steps, string sealedDisk, CancellationToken cancellationToken)
    {
        var partial = await CreatePartialAsync(Root, context.Ledger, cancellationToken);
        try
        {
            var disk = Path.Combine(partial.Resource.Id, DiskFile);
            await using (var source = new FileStream(sealedDisk, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, FileOptions.Asynchronous))
            await using (var target = new FileStream(disk, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                await source.CopyToAsync(target, cancellationToken);
                await target.FlushAsync(cancellationToken);
            }

            // Unsafe rebase: only the pointer changes; the parent's cached disk holds the same bits as the disk the step ran on.
            // A disk on top of a warm boot's saved disk is rebased safely instead: what the boot wrote is copied in, so the
            // layer is on the base alone, as a cold build's is.
            string[] unsafeRebase = parent.Flatten ? [] : ["-u"];
            await HostTool.RunAsync(context, "qemu-img", ["rebase", .. unsafeRebase, "-f", "qcow2", "-b", parent.Path, "-F", parent.Format, disk], cancellationToken);
            var info = new LayerInfo
            {
                Key = key,
                Parent = parent.Key,
                Backing = parent.Path,
                Step = step,
                Steps = steps,
                Created = DateTimeOffset.UtcNow,
                Sha256 = await HashAsync(disk, cancellationToken),
                Size = new FileInfo(disk).Length,
            };
            return Commit(partial.Resource.Id, info);
        }
        finally
        {
            if (Directory.Exists(partial.Resource.Id))
            {
                Directory.Delete(partial.Resource.Id, recursive: true);
            }

            await partial.ReleaseAsync(CancellationToken.None);
        }
    }

    /// <summary>Writes the record and renames the partial directory into place; false if another build made the same layer first.</summary>
    private bool Commit(string partial, LayerInfo layer)
    {
        var info = Path.Combine(partial, InfoFile);
        File.WriteAllText(info, JsonSerializer.Serialize(layer, Json));
        File.WriteAllText(Path.Combine(partial, UsedFile), "");
        try
        {
            Directory.Move(partial, DirectoryOf(layer.Key));
            return true;
        }
        catch (IOException) when (Directory.Exists(DirectoryOf(layer.Key)))
        {
            return false;
        }
    }

    /// <summary>Marks a layer as used now, for least-recently-used eviction.</summary>
    public void Touch(string key)
    {
        try
        {
            File.SetLastWriteTimeUtc(Path.Combine(DirectoryOf(key), UsedFile), DateTime.UtcNow);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read-only cache still serves layers; only eviction order suffers.
        }
    }

    /// <summary>
    /// Removes a layer, every layer on top of it and every machine saved on them (they cannot work without it), unless
    /// one of them is in use. Returns the bytes freed.
    /// </summary>
    public long Remove(string key)
    {
        var doomed = new List<LayerInfo>();
        var all = All();
        Collect(key);
        var locks = new List<FileStream>();
        try
        {
            foreach (var layer in doomed)
            {
                try
                {
                    locks.Add(new FileStream(LockOf(layer.Key), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException)
                {
                    return 0; // in use by a running build
                }
            }

            long freed = 0;
            foreach (var layer in doomed)
            {
                var directory = DirectoryOf(layer.Key);
                var trash = Path.Combine(Root, $".deleting-{Guid.NewGuid():N}");
                try
                {
                    Directory.Move(directory, trash);
                }
                catch (DirectoryNotFoundException)
                {
                    continue;
                }

                freed += SizeOf(trash);
                Directory.Delete(trash, recursive: true);
                freed += Warm.All().Where(w => w.Layer == layer.Key).Sum(w => Warm.Remove(w.Key));
            }

            return freed;
        }
        finally
        {
            foreach (var held in locks)
            {
                held.Dispose();
            }
        }

        void Collect(string current)
        {
            if (all.FirstOrDefault(l => l.Key == current) is { } layer && !doomed.Contains(layer))
            {
                doomed.Add(layer);
                foreach (var child in all.Where(l => l.Parent == current))
                {
                    Collect(child.Key);
                }
            }
        }
    }

    /// <summary>
    /// Removes least recently used layers (and those on top of them) and warm states until the cache fits
    /// <paramref name="limit"/>; what is in use stays. Evicted warm states are named <c>warm:&lt;key&gt;</c>.
    /// </summary>
    public IReadOnlyList<string> Evict(long limit)
    {
        var evicted = new List<string>();
        var candidates = All().Select(l => (Used: LastUsed(l), l.Key, IsWarm: false))
            .Concat(Warm.All().Select(w => (Used: Warm.LastUsed(w.Key), w.Key, IsWarm: true)))
            .OrderBy(c => c.Used);
        foreach (var (_, key, isWarm) in candidates)
        {
            var total = All().Sum(l => SizeOf(DirectoryOf(l.Key))) + Warm.Size();
            if (total <= limit)
            {
                break;
            }

            if ((isWarm ? Warm.Remove(key) : Remove(key)) > 0)
            {
                evicted.Add(isWarm ? WarmPrefix + Name(key) : key);
            }
        }

        return evicted;
    }

    public const string WarmPrefix = "warm:";

    /// <summary>How a log names what <see cref="Evict"/> returned.</summary>
    public static string Describe(string evicted) =>
        evicted.StartsWith(WarmPrefix, StringComparison.Ordinal) ? $"warm state {Short(evicted[WarmPrefix.Length..])}" : $"layer {Short(evicted)}";

    /// <summary>Every layer not in use; returns how many went.</summary>
    public int Clear() => All().OrderByDescending(l => l.Step).Count(l => Remove(l.Key) > 0);

    public static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private DateTime LastUsed(LayerInfo layer) => File.GetLastWriteTimeUtc(Path.Combine(DirectoryOf(layer.Key), UsedFile));

    private string LockOf(string key) => Path.Combine(Root, Name(key) + ".lock");

    /// <summary>The first 12 hex digits of a key, as logs name a layer.</summary>
    public static string Short(string key) => Name(key)[..Math.Min(12, Name(key).Length)];

    internal static string Name(string key) => key.StartsWith("sha256:", StringComparison.Ordinal) ? key["sha256:".Length..] : key;

    internal static long SizeOf(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory).Sum(f => new FileInfo(f).Length) : 0;
}
