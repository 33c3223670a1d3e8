using System.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Plugins;
using Kiln.Testing;

namespace Kiln.Tests.Pipeline;

public sealed class DiskLedgerTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("kiln-ledger-");

    private string LedgerDirectory => Path.Combine(_root.FullName, "ledger");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task An_entry_is_on_disk_when_record_returns_and_gone_after_release()
    {
        var ledger = new DiskLedger(LedgerDirectory, "run1");
        var dir = Path.Combine(_root.FullName, "scratch");

        var entry = await ledger.RecordAsync(new LedgerResource("directory", dir), TestContext.Current.CancellationToken);

        // Nothing exists yet, but the record does: a crash now leaves something a sweep can act on.
        Assert.False(Directory.Exists(dir));
        var text = await File.ReadAllTextAsync(ledger.FilePath, TestContext.Current.CancellationToken);
        Assert.Contains(dir, text, StringComparison.Ordinal);
        Assert.Contains($"\"pid\": {Environment.ProcessId}", text, StringComparison.Ordinal);

        await entry.ReleaseAsync(TestContext.Current.CancellationToken);

        Assert.False(File.Exists(ledger.FilePath));
        Assert.Empty(Directory.GetFiles(LedgerDirectory));
    }

    [Fact]
    public async Task Update_rewrites_the_entry_and_other_entries_stay()
    {
        var ledger = new DiskLedger(LedgerDirectory, "run2");
        var a = await ledger.RecordAsync(new LedgerResource("file", "/tmp/a"), TestContext.Current.CancellationToken);
        var b = await ledger.RecordAsync(new LedgerResource("process", "qemu"), TestContext.Current.CancellationToken);

        await b.UpdateAsync(new LedgerResource("process", "qemu (pid 42)", new Dictionary<string, string> { ["pid"] = "42" }), TestContext.Current.CancellationToken);
        await a.ReleaseAsync(TestContext.Current.CancellationToken);

        var open = Assert.Single(ledger.Open);
        Assert.Equal("qemu (pid 42)", open.Id);
        var onDisk = await File.ReadAllTextAsync(ledger.FilePath, TestContext.Current.CancellationToken);
        Assert.Contains("qemu (pid 42)", onDisk, StringComparison.Ordinal);
        Assert.DoesNotContain("/tmp/a", onDisk, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(LedgerDirectory, "*.tmp"));
    }

    [Fact]
    public async Task Records_from_parallel_builds_are_all_kept()
    {
        var ledger = new DiskLedger(LedgerDirectory, "run3");

        var entries = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            ledger.RecordAsync(new LedgerResource("file", $"/tmp/f{i}"), TestContext.Current.CancellationToken)));

        Assert.Equal(20, ledger.Open.Count);
        await Task.WhenAll(entries.Select(e => e.ReleaseAsync(TestContext.Current.CancellationToken)));
        Assert.False(File.Exists(ledger.FilePath));
    }

    [Fact]
    public void The_default_directory_is_under_the_repository_root()
    {
        var repo = Directory.CreateDirectory(Path.Combine(_root.FullName, "repo"));
        Directory.CreateDirectory(Path.Combine(repo.FullName, ".git"));
        var nested = Directory.CreateDirectory(Path.Combine(repo.FullName, "a", "b"));
        var outside = Directory.CreateDirectory(Path.Combine(_root.FullName, "plain"));

        Assert.Equal(Path.Combine(repo.FullName, ".kiln", "ledger"), DiskLedger.DefaultDirectory(nested.FullName));
        Assert.Equal(Path.Combine(outside.FullName, ".kiln", "ledger"), DiskLedger.DefaultDirectory(outside.FullName));
    }

    [Fact]
    public async Task Sweep_never_touches_a_live_runs_ledger()
    {
        var ledger = new DiskLedger(LedgerDirectory, "live");
        var dir = await LedgeredDirectory.CreateAsync(ledger, Path.Combine(_root.FullName, "mine"), TestContext.Current.CancellationToken);

        var report = await new LedgerSweep(LedgerDirectory, PluginCatalog.Default.Sweepers, new TestLog()).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["live"], report.LiveRuns);
        Assert.Empty(report.Cleaned);
        Assert.True(Directory.Exists(dir.Path));
        Assert.True(File.Exists(ledger.FilePath));
        await dir.DeleteAsync(TestContext.Current.CancellationToken);
        Assert.False(Directory.Exists(dir.Path));
        Assert.False(File.Exists(ledger.FilePath));
    }

    [Fact]
    public async Task Sweep_cleans_a_dead_runs_resources_and_removes_its_ledger()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root.FullName, "left-dir"));
        await File.WriteAllTextAsync(Path.Combine(dir.FullName, "x"), "x", TestContext.Current.CancellationToken);
        var file = Path.Combine(_root.FullName, "left-file");
        await File.WriteAllTextAsync(file, "x", TestContext.Current.CancellationToken);
        WriteDeadLedger("dead1", ("directory", dir.FullName, null), ("file", file, null));

        var report = await new LedgerSweep(LedgerDirectory, PluginCatalog.Default.Sweepers, new TestLog()).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, report.Cleaned.Count);
        Assert.True(report.Complete);
        Assert.False(Directory.Exists(dir.FullName));
        Assert.False(File.Exists(file));
        Assert.Empty(Directory.GetFiles(LedgerDirectory, "*.json"));
    }

    [Fact]
    public async Task Sweep_keeps_and_reports_what_it_could_not_clean()
    {
        var file = Path.Combine(_root.FullName, "left-file");
        await File.WriteAllTextAsync(file, "x", TestContext.Current.CancellationToken);
        WriteDeadLedger("dead2", ("file", file, null), ("cloud-thing", "i-123", null), ("failing", "f-1", null));
        var sweepers = PluginCatalog.Default.With(sweepers: [new FailingSweeper()]).Sweepers;

        var log = new TestLog();
        var report = await new LedgerSweep(LedgerDirectory, sweepers, log).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal("left-file", Path.GetFileName(Assert.Single(report.Cleaned).Resource.Id));
        Assert.Equal(["i-123", "f-1"], report.Kept.Select(k => k.Resource.Id));
        Assert.Equal("no sweeper for kind 'cloud-thing'", report.Kept[0].Problem);
        Assert.Equal("the API said no", report.Kept[1].Problem);
        var remaining = await File.ReadAllTextAsync(Path.Combine(LedgerDirectory, "dead2.json"), TestContext.Current.CancellationToken);
        Assert.Contains("i-123", remaining, StringComparison.Ordinal);
        Assert.DoesNotContain("left-file", remaining, StringComparison.Ordinal);
        Assert.Contains(log.Lines, l => l.Contains("could not sweep failing 'f-1'", StringComparison.Ordinal));
        Assert.Equal(
            ["swept 1 resource(s) left by dead runs", "kept cloud-thing 'i-123' (run dead2): no sweeper for kind 'cloud-thing'", "kept failing 'f-1' (run dead2): the API said no"],
            report.Describe());
    }

    [Fact]
    public async Task Corrupted_and_partial_ledger_files_are_reported_and_do_not_stop_the_sweep()
    {
        Directory.CreateDirectory(LedgerDirectory);
        await File.WriteAllTextAsync(Path.Combine(LedgerDirectory, "broken.json"), "{\"version\": 1, \"run_id\": \"x\", \"own", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(LedgerDirectory, "empty.json"), "", TestContext.Current.CancellationToken);
        var partialTemp = Path.Combine(LedgerDirectory, "r.json.1.tmp");
        await File.WriteAllTextAsync(partialTemp, "{\"vers", TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(partialTemp, DateTime.UtcNow.AddHours(-1));
        var freshTemp = Path.Combine(LedgerDirectory, "s.json.2.tmp");
        await File.WriteAllTextAsync(freshTemp, "{\"vers", TestContext.Current.CancellationToken);
        var file = Path.Combine(_root.FullName, "left-file");
        await File.WriteAllTextAsync(file, "x", TestContext.Current.CancellationToken);
        WriteDeadLedger("dead3", ("file", file, null));

        var report = await new LedgerSweep(LedgerDirectory, PluginCatalog.Default.Sweepers, new TestLog()).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["broken.json", "empty.json"], report.Unreadable.Select(u => Path.GetFileName(u.Path)));
        Assert.Single(report.Cleaned);
        Assert.False(File.Exists(file));
        Assert.Equal([partialTemp], report.RemovedTempFiles);
        Assert.True(File.Exists(freshTemp), "a temp file that may still be being written is left alone");
    }

    [Fact]
    public async Task A_process_sweep_stops_the_process_and_its_children_but_never_a_reused_pid()
    {
        using var shell = Process.Start(new ProcessStartInfo("sh", ["-c", "sleep 300 & sleep 300 & wait"]))!;
        var identity = await WaitForIdentityAsync(shell);
        var children = await WaitForChildrenAsync(identity, 2);
        var impostor = identity with { StartTicks = identity.StartTicks - 1 };

        await new ProcessSweeper().SweepAsync(new LedgerResource("process", "sh", impostor.ToData()), TestContext.Current.CancellationToken);
        Assert.True(identity.IsAlive, "a record whose start time does not match must not kill the process that now has the pid");

        await new ProcessSweeper().SweepAsync(new LedgerResource("process", "sh", identity.ToData()), TestContext.Current.CancellationToken);

        await shell.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.All(children, c => Assert.False(c.IsAlive));
    }

    internal static async Task<ProcessIdentity> WaitForIdentityAsync(Process process)
    {
        while (true)
        {
            if (ProcessIdentity.Of(process) is { } identity)
            {
                return identity;
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<IReadOnlyList<ProcessIdentity>> WaitForChildrenAsync(ProcessIdentity parent, int count)
    {
        while (true)
        {
            var tree = ProcessTree.Collect(parent);
            if (tree.Count > count)
            {
                return [.. tree.Skip(1)];
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>A ledger whose owner is a process that has exited: what a crashed run leaves.</summary>
    private void WriteDeadLedger(string runId, params (string Kind, string Id, Dictionary<string, string>? Data)[] entries)
    {
        using var dead = Process.Start(new ProcessStartInfo("true"))!;
        var identity = ProcessIdentity.Of(dead) ?? new ProcessIdentity(dead.Id, 1, ProcessIdentity.Current.BootId);
        dead.WaitForExit();
        Assert.False(identity.IsAlive);
        var entryJson = string.Join(",", entries.Select((e, i) =>
            $$$"""{"id":"e{{{i}}}","kind":"{{{e.Kind}}}","resource_id":"{{{e.Id}}}","data":{}}"""));
        Directory.CreateDirectory(LedgerDirectory);
        File.WriteAllText(Path.Combine(LedgerDirectory, runId + ".json"), $$"""
            {"version":1,"run_id":"{{runId}}","owner":{"pid":{{identity.Pid}},"start_ticks":{{identity.StartTicks}},"boot_id":"{{identity.BootId}}","host":"{{Environment.MachineName}}"},"entries":[{{entryJson}}]}
            """);
    }

    private sealed class FailingSweeper : IResourceSweeper
    {
        public string Kind => "failing";

        public Task SweepAsync(LedgerResource resource, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the API said no");
    }
}
