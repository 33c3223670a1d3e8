using Kiln.Engine;

namespace Kiln.Ledger;

/// <summary>Removes a resource of one kind that a dead run left behind, from its ledger record alone. Idempotent.</summary>
public interface IResourceSweeper
{
    string Kind { get; }

    Task SweepAsync(LedgerResource resource, CancellationToken cancellationToken);
}
