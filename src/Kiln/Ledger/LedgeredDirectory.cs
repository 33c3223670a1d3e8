using Kiln.Engine;

namespace Kiln.Ledger;

/// <summary>A directory created through the ledger: recorded before it exists, released once it is deleted.</summary>
internal sealed class LedgeredDirectory : IAsyncDisposable
{
    private readonly ILedgerEntry _entry;

    private LedgeredDirectory(string path, ILedgerEntry entry)
    {
        Path = path;
        _entry = entry;
    }

    public string Path { get; }

    public static async Task<LedgeredDirectory> CreateAsync(ILedger ledger, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var full = System.IO.Path.GetFullPath(path);
        var entry = await ledger.RecordAsync(new LedgerResource(DirectorySweeper.ResourceKind, full), cancellationToken);
        try
        {
            Directory.CreateDirectory(full);
        }
        catch
        {
            await entry.ReleaseAsync(CancellationToken.None);
            throw;
        }

        return new LedgeredDirectory(full, entry);
    }

    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        await new DirectorySweeper().SweepAsync(_entry.Resource, cancellationToken);
        await _entry.ReleaseAsync(cancellationToken);
    }

    /// <summary>Removes the directory only when nothing is left in it: what is there belongs to entries of its own.</summary>
    public async Task<bool> DeleteIfEmptyAsync()
    {
        try
        {
            Directory.Delete(Path, recursive: false);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
        catch (IOException)
        {
            return false; // not empty: a sweep removes it after what is inside
        }

        await _entry.ReleaseAsync(CancellationToken.None);
        return true;
    }

    public async ValueTask DisposeAsync() => await DeleteAsync(CancellationToken.None);
}
