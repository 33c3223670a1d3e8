using System.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.IntegrationTests.Pipeline;

/// <summary>
/// A run killed after starting a ledgered process but before writing its pid (caught by QemuInterruptTests when a
/// SIGKILL landed as qemu-img started) leaves an entry with only the marker: the sweep still stops the process.
/// </summary>
public sealed class UnrecordedProcessSweepTests
{
    [Fact]
    public async Task A_process_whose_pid_never_reached_the_ledger_is_found_by_its_marker_and_stopped()
    {
        var ct = TestContext.Current.CancellationToken;
        var marker = ProcessMarker.Create();
        var start = new ProcessStartInfo("sleep", ["600"]) { UseShellExecute = false };
        start.Environment[ProcessMarker.Variable] = marker;
        using var sleeper = Process.Start(start)!;
        try
        {
            var entry = new LedgerResource(ProcessSweeper.ResourceKind, "sleep", new Dictionary<string, string> { [ProcessMarker.DataKey] = marker });

            await new ProcessSweeper().SweepAsync(entry, ct);

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromMinutes(1));
            await sleeper.WaitForExitAsync(timeout.Token);
            Assert.True(sleeper.HasExited);
            Assert.Empty(ProcessMarker.Find(marker));
        }
        finally
        {
            if (!sleeper.HasExited)
            {
                sleeper.Kill();
            }
        }
    }
}
