using Kiln.Engine;

namespace Kiln.Ledger;

/// <summary>A directory created through the ledger: recorded before it exists, released once it is deleted.</summary>
public sealed class LedgeredDirectory : IAsyncDisposable
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

    public async ValueTask DisposeAsync() => await DeleteAsync(CancellationToken.None);
}
