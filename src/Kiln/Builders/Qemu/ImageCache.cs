using Kiln.Diagnostics;

namespace Kiln.Builders.Qemu;

/// <summary>
/// Base images shared by every build on this machine: downloads keyed by checksum, bootstraps keyed by the hash of
/// their inputs. Entries appear by rename, so a reader sees a whole image or none; a per-entry lock keeps two builds
/// from making the same entry at once (the second waits, then uses the first's).
/// </summary>
internal sealed class ImageCache(string root)
{
    public string Root { get; } = root;

    /// <summary>$KILN_CACHE, else $XDG_CACHE_HOME/kiln, else ~/.cache/kiln.</summary>
    public static ImageCache Default()
    {
        var configured = Environment.GetEnvironmentVariable("KILN_CACHE");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new ImageCache(Path.GetFullPath(configured));
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var baseDir = !string.IsNullOrWhiteSpace(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return new ImageCache(Path.Combine(baseDir, "kiln"));
    }

    public string PathFor(string area, string fileName) => Path.Combine(Root, area, fileName);

    /// <summary>
    /// Returns the entry at <paramref name="path"/>, making it with <paramref name="make"/> first if it is missing.
    /// <paramref name="make"/> writes to the temporary path it is given; it is renamed into place only when it returns.
    /// </summary>
    public static async Task<string> GetOrCreateAsync(string path, Func<string, CancellationToken, Task> make, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var entryLock = await LockAsync(path + ".lock", cancellationToken);
        if (File.Exists(path))
        {
            return path;
        }

        var partial = $"{path}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            await make(partial, cancellationToken);
            File.Move(partial, path, overwrite: false);
        }
        finally
        {
            File.Delete(partial);
        }

        return path;
    }

    /// <summary>An exclusive advisory lock (flock) on a file, waited for.</summary>
    public static async Task<FileStream> LockAsync(string lockPath, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new KilnException($"cannot write to the image cache at {Path.GetDirectoryName(lockPath)}: {ex.Message}", "set KILN_CACHE to a writable directory");
            }
        }
    }
}
