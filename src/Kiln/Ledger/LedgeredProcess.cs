using System.Diagnostics;
using Kiln.Engine;

namespace Kiln.Ledger;

/// <summary>
/// A local child process (qemu, a helper daemon) started through the ledger: recorded before it starts, its pid and
/// start time added once it runs, so a sweep after a crash can stop exactly it and its children.
/// </summary>
internal sealed class LedgeredProcess : IAsyncDisposable
{
    private readonly ILedgerEntry _entry;

    private LedgeredProcess(Process process, ProcessIdentity? identity, ILedgerEntry entry)
    {
        Process = process;
        Identity = identity;
        _entry = entry;
    }

    public Process Process { get; }

    /// <summary>Null only if the process exited before its start time could be read.</summary>
    public ProcessIdentity? Identity { get; }

    public static async Task<LedgeredProcess> StartAsync(ILedger ledger, ProcessStartInfo startInfo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(startInfo);
        var description = Path.GetFileName(startInfo.FileName);
        var marker = ProcessMarker.Create();
        startInfo.Environment[ProcessMarker.Variable] = marker;
        var entry = await ledger.RecordAsync(
            new LedgerResource(ProcessSweeper.ResourceKind, description, new Dictionary<string, string> { [ProcessMarker.DataKey] = marker }),
            cancellationToken);
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException($"'{startInfo.FileName}' did not start");
        }
        catch
        {
            await entry.ReleaseAsync(CancellationToken.None);
            throw;
        }

        var identity = ProcessIdentity.Of(process);
        try
        {
            if (identity is not null)
            {
                await entry.UpdateAsync(
                    new LedgerResource(ProcessSweeper.ResourceKind, $"{description} (pid {identity.Pid})", new Dictionary<string, string>(identity.ToData()) { [ProcessMarker.DataKey] = marker }),
                    CancellationToken.None);
            }
        }
        catch
        {
            await StopAsync(process, identity, ProcessTree.DefaultGrace, CancellationToken.None);
            await entry.ReleaseAsync(CancellationToken.None);
            process.Dispose();
            throw;
        }

        return new LedgeredProcess(process, identity, entry);
    }

    /// <summary>SIGTERM to the process and its children, SIGKILL after <paramref name="grace"/>; then the entry is released.</summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        await StopAsync(Process, Identity, grace, cancellationToken);
        await _entry.ReleaseAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(ProcessTree.DefaultGrace, CancellationToken.None);
        Process.Dispose();
    }

    private static async Task StopAsync(Process process, ProcessIdentity? identity, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (identity is not null)
        {
            await ProcessTree.StopAsync(identity, grace, cancellationToken);
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync(cancellationToken);
    }
}
