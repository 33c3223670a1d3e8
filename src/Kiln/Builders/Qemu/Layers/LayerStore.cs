using System.Globalization;
using Kiln.Engine;

namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// Provisioning layers under <c>&lt;cache&gt;/layers</c>, one directory per key holding <c>disk.qcow2</c> and
/// <c>layer.json</c>, kept as <see cref="CacheDirectory{TInfo}"/> keeps entries. Removing a layer removes the layers on
/// top of it and the machines saved on them. Least recently used layers go first.
/// </summary>
internal sealed class LayerStore(string root) : CacheDirectory<LayerInfo>(root, "layer.json")
{
    public const string DiskFile = "disk.qcow2";

    /// <summary>Saved, booted machines (warm boots): kept, counted and evicted with the layers.</summary>
    public WarmStore Warm { get; } = new(Path.Combine(root, "warm"));

    public static LayerStore In(ImageCache cache) => new(Path.Combine(cache.Root, "layers"));

    public string DiskOf(string key) => Path.Combine(DirectoryOf(key), DiskFile);

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

    /// <summary>
    /// Copies <paramref name="sealedDisk"/> (a qcow2 holding one step's changes, read from where it is) into the cache as layer
    /// <paramref name="key"/>, pointed at <paramref name="parent"/>'s disk. It is written in a ledgered partial directory
    /// and renamed into place whole. Returns its record, or null if another build made the same layer first.
    /// </summary>
    public async Task<LayerInfo?> AddAsync(BuildContext context, string key, LayerParent parent, int step, int steps, Stream sealedDisk, CancellationToken cancellationToken)
    {
        await using var partial = await CreatePartialAsync(context.Ledger, cancellationToken);
        var disk = Path.Combine(partial.Path, DiskFile);
        await using (var target = new FileStream(disk, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
        {
            await sealedDisk.CopyToAsync(target, cancellationToken);
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
        return await CommitAsync(partial.Path, key, info, cancellationToken) ? info : null;
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
                if (TryLockExclusive(layer.Key) is not { } held)
                {
                    return 0; // in use by a running build
                }

                locks.Add(held);
            }

            long freed = 0;
            foreach (var layer in doomed)
            {
                freed += Delete(layer.Key);
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
        var candidates = All().Select(l => (Used: LastUsed(l.Key), l.Key, IsWarm: false))
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
}
