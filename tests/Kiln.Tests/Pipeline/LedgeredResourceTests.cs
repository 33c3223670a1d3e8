using System.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Tests.Pipeline;

public sealed class LedgeredResourceTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("kiln-ledgered-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task A_directory_is_recorded_before_it_exists_and_released_after_it_is_gone()
    {
        var path = Path.Combine(_root.FullName, "scratch");
        var ledger = new SpyLedger(new DiskLedger(Path.Combine(_root.FullName, "ledger"), "r"), _ => Assert.False(Directory.Exists(path)));

        var directory = await LedgeredDirectory.CreateAsync(ledger, path, Token);
        Assert.True(Directory.Exists(path));
        Assert.Equal(path, Assert.Single(ledger.Inner.Open).Id);

        await directory.DeleteAsync(Token);
        Assert.False(Directory.Exists(path));
        Assert.Empty(ledger.Inner.Open);
        Assert.False(File.Exists(ledger.Inner.FilePath));
    }

    [Fact]
    public async Task A_process_is_recorded_before_it_starts_then_with_its_pid_and_start_time()
    {
        var inner = new DiskLedger(Path.Combine(_root.FullName, "ledger"), "r");
        var ledger = new SpyLedger(inner, r => Assert.False(r.Data.ContainsKey("pid"), "nothing runs yet, so there is no pid to record"));

        await using var process = await LedgeredProcess.StartAsync(ledger, new ProcessStartInfo("sleep", ["300"]), Token);

        var recorded = Assert.Single(inner.Open);
        Assert.Equal("process", recorded.Kind);
        Assert.Equal(process.Identity, ProcessIdentity.FromData(recorded.Data));
        Assert.True(process.Identity!.IsAlive);

        await process.StopAsync(TimeSpan.FromSeconds(5), Token);
        Assert.False(process.Identity.IsAlive);
        Assert.Empty(inner.Open);
    }

    [Fact]
    public async Task A_process_that_ignores_sigterm_is_killed_after_the_grace_period()
    {
        using var stubborn = Process.Start(new ProcessStartInfo("sh", ["-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"]) { RedirectStandardOutput = true })!;
        // Until the shell has run its trap, SIGTERM would still end it.
        Assert.Equal("ready", await stubborn.StandardOutput.ReadLineAsync(Token));
        var identity = await DiskLedgerTests.WaitForIdentityAsync(stubborn);

        var stopped = await ProcessTree.StopAsync(identity, TimeSpan.FromMilliseconds(300), Token);

        Assert.True(stopped);
        await stubborn.WaitForExitAsync(Token);
        Assert.Equal(137, stubborn.ExitCode); // 128 + SIGKILL: it took the second signal
    }

    [Fact]
    public void Proc_stat_parsing_survives_command_names_with_spaces_and_parentheses()
    {
        var stat = ProcStat.Parse(42, "42 (my (odd) proc) S 1 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1 2 3");

        Assert.NotNull(stat);
        Assert.Equal('S', stat.State);
        Assert.Equal(1, stat.ParentPid);
        Assert.Equal(987654, stat.StartTicks);
        Assert.Null(ProcStat.Parse(42, "garbage"));
    }

    /// <summary>Checks each record against the world at the moment it is written.</summary>
    private sealed class SpyLedger(DiskLedger inner, Action<LedgerResource> atRecord) : ILedger
    {
        public DiskLedger Inner => inner;

        public Task<ILedgerEntry> RecordAsync(LedgerResource resource, CancellationToken cancellationToken)
        {
            atRecord(resource);
            return inner.RecordAsync(resource, cancellationToken);
        }
    }
}
