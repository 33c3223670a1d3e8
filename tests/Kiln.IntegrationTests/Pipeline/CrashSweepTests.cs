using System.Diagnostics;
using System.Globalization;
using Kiln.Ledger;
using Kiln.Plugins;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Pipeline;

/// <summary>
/// A real build in a child process (tests/Kiln.TestBuildHost) records a temp directory and a process tree in its
/// disk ledger, then is killed with SIGKILL, so none of its cleanups run. The sweep must leave nothing behind, and must
/// never touch the ledger of a run that is still alive.
/// </summary>
public sealed class CrashSweepTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("kiln-crash-");

    private string LedgerDirectory => Path.Combine(_root.FullName, "ledger");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private readonly List<ProcessIdentity> _started = [];

    public void Dispose()
    {
        // Only matters when an assertion failed half-way: never leave the sleepers behind.
        foreach (var process in _started.Where(p => p.IsAlive))
        {
            ProcessTree.StopAsync(process, TimeSpan.FromSeconds(1), CancellationToken.None).GetAwaiter().GetResult();
        }

        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task A_build_killed_with_sigkill_leaves_nothing_after_a_sweep_and_a_live_build_is_never_swept()
    {
        using var host = StartHost();
        var (scratch, sleeperPid) = await WaitUntilReadyAsync(host);
        var sleeper = ProcessIdentity.Of(sleeperPid) ?? throw new InvalidOperationException("the sleeper is not running");
        var tree = ProcessTree.Collect(sleeper);
        _started.AddRange(tree);
        Assert.Equal(2, tree.Count); // sleep 601 and the sleep 600 it started
        var work = Assert.Single(Directory.GetDirectories(Path.Combine(_root.FullName, "work"), "*", SearchOption.AllDirectories), d => d.EndsWith("victim.local", StringComparison.Ordinal));

        // While the build runs its ledger is off limits.
        var live = await new LedgerSweep(LedgerDirectory, PluginCatalog.Default.Sweepers, new TestLog()).RunAsync(Token);
        Assert.Equal([$"host-{host.Id}"], live.LiveRuns);
        Assert.Empty(live.Cleaned);
        Assert.True(Directory.Exists(scratch));
        Assert.All(tree, p => Assert.True(p.IsAlive));

        host.Kill(); // SIGKILL: no cleanup, no finally blocks
        await host.WaitForExitAsync(Token);
        Assert.Equal(137, host.ExitCode);

        // The crash left everything in place; only the ledger knows about it.
        Assert.True(Directory.Exists(scratch));
        Assert.True(Directory.Exists(work));
        Assert.All(tree, p => Assert.True(p.IsAlive, $"pid {p.Pid} should have outlived its parent"));
        var ledgerFile = Assert.Single(Directory.GetFiles(LedgerDirectory, "*.json"));
        var recorded = await File.ReadAllTextAsync(ledgerFile, Token);
        Assert.Contains(scratch, recorded, StringComparison.Ordinal);
        Assert.Contains(sleeperPid.ToString(CultureInfo.InvariantCulture), recorded, StringComparison.Ordinal);

        var log = new TestLog();
        var report = await new LedgerSweep(LedgerDirectory, PluginCatalog.Default.Sweepers, log).RunAsync(Token);

        Assert.True(report.Complete, log.Text);
        Assert.Equal("swept 3 resource(s) left by dead runs", Assert.Single(report.Describe()));
        Assert.Equal(["directory", "directory", "process"], report.Cleaned.Select(c => c.Resource.Kind).Order());
        Assert.False(Directory.Exists(scratch));
        Assert.False(Directory.Exists(work));
        Assert.All(tree, p => Assert.False(p.IsAlive, $"pid {p.Pid} survived the sweep"));
        Assert.Empty(Directory.GetFiles(LedgerDirectory, "*.json"));
        Assert.Empty(Directory.GetFiles(LedgerDirectory, "*.tmp"));

        // A second sweep finds nothing to do.
        var again = await new LedgerSweep(LedgerDirectory, PluginCatalog.Default.Sweepers, new TestLog()).RunAsync(Token);
        Assert.Empty(again.Cleaned);
        Assert.Empty(again.LiveRuns);
    }

    [Fact]
    public async Task A_build_stopped_with_sigterm_cancels_and_cleans_up_everything_itself()
    {
        using var host = StartHost();
        var (scratch, sleeperPid) = await WaitUntilReadyAsync(host);
        var tree = ProcessTree.Collect(ProcessIdentity.Of(sleeperPid) ?? throw new InvalidOperationException("the sleeper is not running"));
        _started.AddRange(tree);

        Assert.Equal(0, NativeMethods.Kill(host.Id, NativeMethods.SigTerm));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        var output = await host.StandardOutput.ReadToEndAsync(timeout.Token);
        await host.WaitForExitAsync(timeout.Token);

        Assert.True(host.ExitCode == 3, output);
        Assert.Contains("SIGTERM: stopping; cleaning up", output, StringComparison.Ordinal);
        Assert.Contains("[victim.local] warning: cancelled; cleaning up", output, StringComparison.Ordinal);
        Assert.Contains("victim.local  cancelled", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(scratch));
        Assert.All(tree, p => Assert.False(p.IsAlive, $"pid {p.Pid} survived the cancelled build"));
        Assert.DoesNotContain(
            Directory.GetFileSystemEntries(Path.Combine(_root.FullName, "work"), "*", SearchOption.AllDirectories),
            e => e.EndsWith("victim.local", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(LedgerDirectory, "*.json"));
    }

    private Process StartHost()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Kiln.TestBuildHost.dll");
        var start = new ProcessStartInfo("dotnet", [dll, LedgerDirectory, _root.FullName])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start) ?? throw new InvalidOperationException("the build host did not start");
    }

    private static async Task<(string Scratch, int SleeperPid)> WaitUntilReadyAsync(Process host)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        var seen = new List<string>();
        while (await host.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.Add(line);
            if (line.StartsWith("READY ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                return (parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture));
            }
        }

        var error = await host.StandardError.ReadToEndAsync(Token);
        throw new InvalidOperationException($"the build host ended before it was ready:\n{string.Join("\n", seen)}\n{error}");
    }
}
