using System.Globalization;
using System.Text.Json;
using Kiln.Engine;

namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// Saved, booted machines (warm states) under <c>&lt;layers&gt;/warm</c>, one directory per key holding
/// <c>disk.qcow2</c>, <c>state.bin</c> and <c>warm.json</c>. Written in a ledgered <c>.partial-*</c> directory and
/// counted only once renamed into place; builds resuming from one hold a shared lock on <c>&lt;key&gt;.lock</c>, and
/// removal takes it exclusively and skips what is in use, as for layers. A base that cannot be resumed (no guest
/// agent) gets a <c>&lt;key&gt;.unsupported</c> note, so later builds do not wait for the agent again.
/// </summary>
internal sealed class WarmStore(string root)
{
    public const string StateFile = "state.bin";
    private const string InfoFile = "warm.json";
    private const string UsedFile = "used";
    private const string UnsupportedSuffix = ".unsupported";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Root { get; } = root;

    public string DirectoryOf(string key) => Path.Combine(Root, LayerStore.Name(key));

    public string DiskOf(string key) => Path.Combine(DirectoryOf(key), LayerStore.DiskFile);

    public string StateOf(string key) => Path.Combine(DirectoryOf(key), StateFile);

    public WarmInfo? Find(string key)
    {
        var file = Path.Combine(DirectoryOf(key), InfoFile);
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<WarmInfo>(File.ReadAllText(file), Json) : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public IReadOnlyList<WarmInfo> All() =>
        Directory.Exists(Root)
            ? [.. Directory.EnumerateDirectories(Root).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Select(n => Find("sha256:" + n)).OfType<WarmInfo>()]
            : [];

    /// <summary>Why a saved machine cannot be resumed by <paramref name="qemu"/> (another QEMU, a missing, truncated or changed file), or null.</summary>
    public async Task<string?> ProblemAsync(WarmInfo warm, string qemu, CancellationToken cancellationToken)
    {
        if (warm.Qemu != qemu)
        {
            return $"it was saved by {warm.Qemu}, and this is {qemu}";
        }

        foreach (var (file, size, sha256) in new[] { (DiskOf(warm.Key), warm.DiskSize, warm.DiskSha256), (StateOf(warm.Key), warm.StateSize, warm.StateSha256) })
        {
            var name = Path.GetFileName(file);
            if (!File.Exists(file))
            {
                return $"its {name} is missing";
            }

            var actual = new FileInfo(file).Length;
            if (actual != size)
            {
                return string.Create(CultureInfo.InvariantCulture, $"its {name} is {actual} bytes, not the {size} recorded (truncated?)");
            }

            var digest = await LayerStore.HashAsync(file, cancellationToken);
            if (digest != sha256)
            {
                return $"its {name}'s sha256 is {digest}, not the {sha256} recorded";
            }
        }

        return null;
    }

    /// <summary>Why this base cannot be resumed, if an earlier build found out; null otherwise.</summary>
    public string? Unsupported(string key)
    {
        try
        {
            var file = DirectoryOf(key) + UnsupportedSuffix;
            return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void MarkUnsupported(string key, string reason)
    {
        try
        {
            Directory.CreateDirectory(Root);
            var file = DirectoryOf(key) + UnsupportedSuffix;
            var partial = file + "." + Guid.NewGuid().ToString("N");
            File.WriteAllText(partial, reason + "\n");
            File.Move(partial, file, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a read-only cache: the next build asks the agent again
        }
    }

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

    /// <summary>A ledgered directory to save a machine into; <see cref="CommitAsync"/> puts it in place.</summary>
    public async Task<ILedgerEntry> CreatePartialAsync(ILedger ledger, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Root);
        return await LayerStore.CreatePartialAsync(Root, ledger, cancellationToken);
    }

    /// <summary>Records the saved files in <paramref name="partial"/> and renames it into place; false if another build saved the same machine first.</summary>
    public async Task<bool> CommitAsync(string partial, string key, string baseImage, string qemu, CancellationToken cancellationToken, string? layer = null)
    {
        var disk = Path.Combine(partial, LayerStore.DiskFile);
        var state = Path.Combine(partial, StateFile);
        var info = new WarmInfo
        {
            Key = key,
            Base = baseImage,
            Layer = layer,
            Qemu = qemu,
            Created = DateTimeOffset.UtcNow,
            DiskSha256 = await LayerStore.HashAsync(disk, cancellationToken),
            DiskSize = new FileInfo(disk).Length,
            StateSha256 = await LayerStore.HashAsync(state, cancellationToken),
            StateSize = new FileInfo(state).Length,
        };
        await File.WriteAllTextAsync(Path.Combine(partial, InfoFile), JsonSerializer.Serialize(info, Json), cancellationToken);
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

    public void Touch(string key)
    {
        try
        {
            File.SetLastWriteTimeUtc(Path.Combine(DirectoryOf(key), UsedFile), DateTime.UtcNow);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a read-only cache still serves warm states; only eviction order suffers
        }
    }

    public DateTime LastUsed(string key) => File.GetLastWriteTimeUtc(Path.Combine(DirectoryOf(key), UsedFile));

    /// <summary>Removes a saved machine unless a build is resuming from it; returns the bytes freed.</summary>
    public long Remove(string key)
    {
        FileStream held;
        try
        {
            Directory.CreateDirectory(Root);
            held = new FileStream(LockOf(key), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        using (held)
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

            var freed = LayerStore.SizeOf(trash);
            Directory.Delete(trash, recursive: true);
            return freed;
        }
    }

    /// <summary>Every saved machine not in use, and every note of an unsupported base; returns how many saved machines went.</summary>
    public int Clear()
    {
        if (Directory.Exists(Root))
        {
            foreach (var note in Directory.EnumerateFiles(Root, "*" + UnsupportedSuffix))
            {
                File.Delete(note);
            }
        }

        return All().Count(w => Remove(w.Key) > 0);
    }

    public long Size() => All().Sum(w => LayerStore.SizeOf(DirectoryOf(w.Key)));

    private string LockOf(string key) => DirectoryOf(key) + ".lock";
}
