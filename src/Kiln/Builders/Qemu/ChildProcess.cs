using System.Diagnostics;
using System.Globalization;
using Kiln.Pipeline;

namespace Kiln.Builders.Qemu;

/// <summary>
/// A child process recorded in the ledger before it starts (kind "process", with its pid once known) and released
/// once it is gone. Disposing stops it (SIGTERM to the tree, SIGKILL after a grace period).
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly ILedgerEntry _entry;
    private int _released;

    private ChildProcess(Process process, ILedgerEntry entry)
    {
        Process = process;
        _entry = entry;
    }

    public Process Process { get; }

    public static async Task<ChildProcess> StartAsync(ILedger ledger, ProcessStartInfo startInfo, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(startInfo.FileName);
        var entry = await ledger.RecordAsync(new LedgerResource("process", name), cancellationToken);
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{startInfo.FileName} did not start");
        }
        catch
        {
            await entry.ReleaseAsync(CancellationToken.None);
            throw;
        }

        var data = new Dictionary<string, string> { ["pid"] = process.Id.ToString(CultureInfo.InvariantCulture) };
        try
        {
            data["start_time"] = process.StartTime.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            // exited already; the pid alone is enough to know there is nothing to sweep
        }

        await entry.UpdateAsync(new LedgerResource("process", $"{name} (pid {process.Id})", data), CancellationToken.None);
        return new ChildProcess(process, entry);
    }

    /// <summary>Waits for exit; on cancellation the process is stopped before the exception propagates.</summary>
    public async Task WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await StopAsync(TimeSpan.FromSeconds(5));
            throw;
        }
    }

    public async Task StopAsync(TimeSpan grace)
    {
        if (!HasExited())
        {
            SignalTerm();
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await Process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Process.Kill(entireProcessTree: true);
                await Process.WaitForExitAsync(CancellationToken.None);
            }
        }
        else
        {
            await Process.WaitForExitAsync(CancellationToken.None);
        }

        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            await _entry.ReleaseAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        Process.Dispose();
    }

    private bool HasExited()
    {
        try
        {
            return Process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private void SignalTerm()
    {
        try
        {
            // SIGTERM lets qemu and mmdebstrap clean up after themselves (mmdebstrap unmounts its chroot).
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            kill?.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Process.Kill(entireProcessTree: true);
        }
    }
}
