using Kiln.Diagnostics;
using Kiln.Engine;

namespace Kiln.Ledger;

/// <summary>A local process (and its children) a dead run left running; its record holds pid, start time and boot id.</summary>
internal sealed class ProcessSweeper : IResourceSweeper
{
    public const string ResourceKind = "process";

    public string Kind => ResourceKind;

    public async Task SweepAsync(LedgerResource resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        // Recorded before the process started: if the pid never made it into the record, the run died before it could
        // write it, and the process (if it started at all) carries the entry's marker in its environment.
        if (ProcessIdentity.FromData(resource.Data) is not { } identity)
        {
            if (resource.Data.TryGetValue(ProcessMarker.DataKey, out var marker))
            {
                foreach (var started in ProcessMarker.Find(marker))
                {
                    await StopAsync(started, resource, cancellationToken);
                }
            }

            return;
        }

        if (identity.BootId != ProcessIdentity.Current.BootId)
        {
            return; // the machine rebooted since: the process is gone
        }

        await StopAsync(identity, resource, cancellationToken);
    }

    private static async Task StopAsync(ProcessIdentity identity, LedgerResource resource, CancellationToken cancellationToken)
    {
        if (!await ProcessTree.StopAsync(identity, ProcessTree.DefaultGrace, cancellationToken))
        {
            throw new KilnException($"process {identity.Pid} ({resource.Id}) survived SIGKILL", "it may be stuck in the kernel (D state); check `ps -o pid,stat,cmd -p " + identity.Pid + "`");
        }
    }
}

/// <summary>A scratch directory (a build's work directory, an unpacked ISO); removed with everything in it.</summary>
internal sealed class DirectorySweeper : IResourceSweeper
{
    public const string ResourceKind = "directory";

    public string Kind => ResourceKind;

    public Task SweepAsync(LedgerResource resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        try
        {
            Directory.Delete(resource.Id, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone (removed with its parent, or by an earlier, interrupted sweep): swept.
        }

        return Task.CompletedTask;
    }
}

/// <summary>A temporary file (a half-written artifact, a key file).</summary>
internal sealed class FileSweeper : IResourceSweeper
{
    public const string ResourceKind = "file";

    public string Kind => ResourceKind;

    public Task SweepAsync(LedgerResource resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        try
        {
            File.Delete(resource.Id);
        }
        catch (DirectoryNotFoundException)
        {
            // Its directory was swept first (a build's work directory holds most of its files): the file went with it.
        }

        return Task.CompletedTask;
    }
}
