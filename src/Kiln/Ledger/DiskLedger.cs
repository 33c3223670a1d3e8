using Kiln.Engine;

namespace Kiln.Ledger;

/// <summary>
/// The crash-safe <see cref="ILedger"/>: one file per run under a ledger directory, rewritten atomically before each
/// resource is created and after each is removed. If the process dies, <see cref="LedgerSweep"/> finds the file of a run
/// whose owner is no longer alive and removes what it lists. The file disappears once its last entry is released.
/// </summary>
internal sealed class DiskLedger : ILedger
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<LedgerRecord> _records = [];
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;

    public DiskLedger(string directory, string runId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        if (runId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || runId.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"run id '{runId}' cannot be a file name", nameof(runId));
        }

        Directory = Path.GetFullPath(directory);
        RunId = runId;
        FilePath = Path.Combine(Directory, runId + LedgerFile.Extension);
    }

    /// <summary>
    /// <c>.kiln/ledger</c> under the repository root (the nearest directory above <paramref name="start"/> holding
    /// <c>.git</c>), or under <paramref name="start"/> itself when it is not in a repository.
    /// </summary>
    public static string DefaultDirectory(string? start = null)
    {
        var from = Path.GetFullPath(start ?? Environment.CurrentDirectory);
        for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
        {
            if (System.IO.Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return Path.Combine(dir.FullName, ".kiln", "ledger");
            }
        }

        return Path.Combine(from, ".kiln", "ledger");
    }

    public string Directory { get; }

    public string RunId { get; }

    public string FilePath { get; }

    /// <summary>What this run still holds, in the order it was recorded.</summary>
    public IReadOnlyList<LedgerResource> Open
    {
        get
        {
            _gate.Wait();
            try
            {
                return [.. _records.Select(r => r.ToResource())];
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    public async Task<ILedgerEntry> RecordAsync(LedgerResource resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var id = Guid.NewGuid().ToString("N");
        await MutateAsync(records => records.Add(LedgerRecord.From(id, resource)), cancellationToken);
        return new Entry(this, id, resource);
    }

    private async Task MutateAsync(Action<List<LedgerRecord>> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var before = _records.ToList();
            change(_records);
            try
            {
                Persist();
            }
            catch
            {
                _records.Clear();
                _records.AddRange(before);
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Persist()
    {
        if (_records.Count == 0)
        {
            if (File.Exists(FilePath))
            {
                LedgerFile.Delete(FilePath);
            }

            return;
        }

        System.IO.Directory.CreateDirectory(Directory);
        new LedgerFile
        {
            RunId = RunId,
            Owner = LedgerOwner.Current,
            StartedAt = _startedAt,
            Entries = [.. _records],
        }.WriteAtomically(FilePath);
    }

    private sealed class Entry(DiskLedger ledger, string id, LedgerResource resource) : ILedgerEntry
    {
        public LedgerResource Resource { get; private set; } = resource;

        public async Task UpdateAsync(LedgerResource resource, CancellationToken cancellationToken)
        {
            await ledger.MutateAsync(records =>
            {
                var index = records.FindIndex(r => r.Id == id);
                if (index < 0)
                {
                    throw new InvalidOperationException($"ledger entry for {Resource.Kind} '{Resource.Id}' was already released");
                }

                records[index] = LedgerRecord.From(id, resource);
            }, cancellationToken);
            Resource = resource;
        }

        // Not cancellable: an entry whose resource is gone must leave the ledger, or a sweep would chase it.
        public Task ReleaseAsync(CancellationToken cancellationToken) =>
            ledger.MutateAsync(records => records.RemoveAll(r => r.Id == id), CancellationToken.None);
    }
}
