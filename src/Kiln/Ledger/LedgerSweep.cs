using Kiln.Diagnostics;
using Kiln.Engine;

namespace Kiln.Ledger;

/// <summary>
/// Cleans what dead runs left behind: reads every ledger under a directory, skips those whose owner process still runs,
/// and removes each recorded resource through the <see cref="IResourceSweeper"/> of its kind. Entries it cleaned leave
/// the ledger; those it could not stay there and are reported, so a later sweep can try again.
/// </summary>
internal sealed class LedgerSweep(string directory, IReadOnlyDictionary<string, IResourceSweeper> sweepers, IBuildLog log)
{
    private static readonly TimeSpan AbandonedTempAge = TimeSpan.FromMinutes(10);

    public async Task<SweepReport> RunAsync(CancellationToken cancellationToken)
    {
        var report = new SweepReport();
        if (!Directory.Exists(directory))
        {
            return report;
        }

        // Two sweeps at once would race on the same dead run's file.
        await using var sweepLock = await AcquireLockAsync(cancellationToken);
        foreach (var path in Directory.EnumerateFiles(directory, "*" + LedgerFile.Extension).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await SweepFileAsync(path, report, cancellationToken);
        }

        RemoveAbandonedTempFiles(report);
        return report;
    }

    private async Task SweepFileAsync(string path, SweepReport report, CancellationToken cancellationToken)
    {
        LedgerFile ledger;
        try
        {
            ledger = LedgerFile.Read(path);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            log.Warn($"ledger {path} is unreadable and was left alone: {ex.Message}");
            report.Unreadable.Add(new SweepProblem(path, ex.Message));
            return;
        }

        if (ledger.Owner.IsAlive)
        {
            log.Info($"run {ledger.RunId} (pid {ledger.Owner.Pid}) is still running; its ledger is left alone");
            report.LiveRuns.Add(ledger.RunId);
            return;
        }

        // Newest first: what was created inside a folder, or by a process, goes before the folder or the process.
        // Some resources are freed only by an older one (an AMI's snapshot, recorded after the AMI, can go only once
        // the AMI is deregistered), so what fails is tried again as long as a pass removes anything.
        var remaining = ledger.Entries.ToList();
        var failures = new Dictionary<LedgerRecord, string>();
        var progress = true;
        while (progress && remaining.Count > 0)
        {
            progress = false;
            failures.Clear();
            foreach (var entry in Enumerable.Reverse(remaining.ToList()))
            {
                if (!sweepers.TryGetValue(entry.Kind, out var sweeper))
                {
                    failures[entry] = $"no sweeper for kind '{entry.Kind}'";
                    continue;
                }

                try
                {
                    await sweeper.SweepAsync(entry.ToResource(), cancellationToken);
                    log.Info($"swept {entry.Kind} '{entry.ResourceId}' (run {ledger.RunId})");
                    report.Cleaned.Add(new SweptResource(ledger.RunId, entry.ToResource()));
                    remaining.Remove(entry);
                    progress = true;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    Save(path, ledger, remaining);
                    throw;
                }
#pragma warning disable CA1031 // A resource that cannot be swept is reported and kept; the sweep goes on.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failures[entry] = ex is KilnException { Hint: { } hint } ? $"{ex.Message} (hint: {hint})" : ex.Message;
                }
            }
        }

        foreach (var entry in Enumerable.Reverse(remaining))
        {
            var what = $"{entry.Kind} '{entry.ResourceId}' (run {ledger.RunId})";
            var reason = failures[entry];
            if (sweepers.ContainsKey(entry.Kind))
            {
                log.Error($"could not sweep {what}: {reason}");
            }
            else
            {
                log.Warn($"cannot sweep {what}: {reason}");
            }

            report.Kept.Add(new SweptResource(ledger.RunId, entry.ToResource(), reason));
        }

        Save(path, ledger, remaining);
    }

    private static void Save(string path, LedgerFile ledger, List<LedgerRecord> remaining)
    {
        if (remaining.Count == 0)
        {
            LedgerFile.Delete(path);
        }
        else if (remaining.Count != ledger.Entries.Count)
        {
            (ledger with { Entries = remaining }).WriteAtomically(path);
        }
    }

    private void RemoveAbandonedTempFiles(SweepReport report)
    {
        foreach (var temp in Directory.EnumerateFiles(directory, "*" + LedgerFile.TempExtension))
        {
            bool abandoned;
            try
            {
                abandoned = !LedgerFile.Read(temp).Owner.IsAlive;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or System.Text.Json.JsonException)
            {
                // A partial write: its rename never happened, so nothing it lists was created. Old enough means abandoned.
                abandoned = DateTime.UtcNow - File.GetLastWriteTimeUtc(temp) > AbandonedTempAge;
            }

            if (abandoned)
            {
                File.Delete(temp);
                report.RemovedTempFiles.Add(temp);
            }
        }
    }

    private async Task<IAsyncDisposable> AcquireLockAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, ".sweep.lock");
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                log.Info("another sweep is running; waiting for it");
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }
}

public sealed class SweepReport
{
    public List<SweptResource> Cleaned { get; } = [];

    /// <summary>Resources that could not be removed; they stay in their ledger.</summary>
    public List<SweptResource> Kept { get; } = [];

    /// <summary>Runs whose owner still runs; never touched.</summary>
    public List<string> LiveRuns { get; } = [];

    public List<SweepProblem> Unreadable { get; } = [];

    public List<string> RemovedTempFiles { get; } = [];

    public bool Complete => Kept.Count == 0 && Unreadable.Count == 0;

    /// <summary>What a person needs to know after a sweep, one line each.</summary>
    public IEnumerable<string> Describe()
    {
        yield return Cleaned.Count == 0 ? "nothing to sweep" : $"swept {Cleaned.Count} resource(s) left by dead runs";
        foreach (var kept in Kept)
        {
            yield return $"kept {kept.Resource.Kind} '{kept.Resource.Id}' (run {kept.RunId}): {kept.Problem}";
        }

        foreach (var problem in Unreadable)
        {
            yield return $"unreadable ledger {problem.Path}: {problem.Problem}";
        }

        if (LiveRuns.Count > 0)
        {
            yield return $"left alone: {LiveRuns.Count} run(s) still in progress ({string.Join(", ", LiveRuns)})";
        }
    }
}

public sealed record SweptResource(string RunId, LedgerResource Resource, string? Problem = null);

public sealed record SweepProblem(string Path, string Problem);
