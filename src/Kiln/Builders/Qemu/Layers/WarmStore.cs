using System.Globalization;

namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// Saved, booted machines (warm states) under <c>&lt;layers&gt;/warm</c>, one directory per key holding
/// <c>disk.qcow2</c>, <c>state.bin</c> and <c>warm.json</c>, kept as <see cref="CacheDirectory{TInfo}"/> keeps
/// entries. A base that cannot be resumed (no guest agent) gets a <c>&lt;key&gt;.unsupported</c> note, so later builds
/// do not wait for the agent again.
/// </summary>
internal sealed class WarmStore(string root) : CacheDirectory<WarmInfo>(root, "warm.json")
{
    public const string StateFile = "state.bin";
    private const string UnsupportedSuffix = ".unsupported";

    public string DiskOf(string key) => Path.Combine(DirectoryOf(key), LayerStore.DiskFile);

    public string StateOf(string key) => Path.Combine(DirectoryOf(key), StateFile);

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

            var digest = await HashAsync(file, cancellationToken);
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
            DiskSha256 = await HashAsync(disk, cancellationToken),
            DiskSize = new FileInfo(disk).Length,
            StateSha256 = await HashAsync(state, cancellationToken),
            StateSize = new FileInfo(state).Length,
        };
        return await CommitAsync(partial, key, info, cancellationToken);
    }

    /// <summary>Removes a saved machine unless a build is resuming from it; returns the bytes freed.</summary>
    public long Remove(string key)
    {
        using var held = TryLockExclusive(key);
        return held is null ? 0 : Delete(key);
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

    public long Size() => All().Sum(w => SizeOf(DirectoryOf(w.Key)));

}
