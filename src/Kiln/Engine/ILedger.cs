namespace Kiln.Engine;

/// <summary>The crash-safe record of one run's temporary resources.</summary>
public interface ILedger
{
    /// <summary>Records a resource before it is created; the entry is durable when this returns.</summary>
    Task<ILedgerEntry> RecordAsync(LedgerResource resource, CancellationToken cancellationToken);

    /// <summary>Resources recorded and not yet released; a ledger that cannot tell returns none.</summary>
    IReadOnlyList<LedgerResource> Open => [];
}

public interface ILedgerEntry
{
    LedgerResource Resource { get; }

    /// <summary>Updates what is known (for example the id a cloud assigned after creation).</summary>
    Task UpdateAsync(LedgerResource resource, CancellationToken cancellationToken);

    /// <summary>Removes the entry once the resource is gone.</summary>
    Task ReleaseAsync(CancellationToken cancellationToken);
}
