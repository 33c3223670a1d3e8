using Kiln.Pipeline;

namespace Kiln.Publishers;

/// <summary>Deletes a half-written output file that a run killed mid-write left behind.</summary>
public sealed class PartialFileSweeper : IResourceSweeper
{
    public string Kind => PartialFile.LedgerKind;

    public Task SweepAsync(LedgerResource resource, CancellationToken cancellationToken)
    {
        // Only ever our own hidden temporaries: a record pointing elsewhere is not ours to delete.
        if (Path.GetFileName(resource.Id).EndsWith(".partial", StringComparison.Ordinal))
        {
            File.Delete(resource.Id);
        }

        return Task.CompletedTask;
    }
}
