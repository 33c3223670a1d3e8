using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Kiln.Targets.Tests.Process;

/// <summary>
/// The host as a real process whose many threads write through every output path at once (the Chatter target of
/// tests/Kiln.Targets.SampleBuild), on a pipe and on a real pseudo-terminal (script(1)), and a build whose standard
/// output is a pipe nobody reads. Before the single console writer these hung: two writers each held one console lock
/// and waited for the other's, and a signal handler waited behind a full pipe. And a target that goes quiet is named.
/// </summary>
public sealed partial class ConsoleDeadlockTests
{
    private static readonly string SampleBuild = typeof(ConsoleDeadlockTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SampleBuild").Value!;

    /// <summary>A run takes about a second; this only stops a hang.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private const string Secret = "chatter-5ecret-77";

    [Fact]
    public async Task Threads_writing_through_every_path_at_once_never_deadlock_on_a_pipe()
    {
        // The old code hung in most runs on a pipe; three in a row make a pass by luck unlikely.
        for (var run = 0; run < 3; run++)
        {
            var chatter = await RunAsync("dotnet", [SampleBuild, "Chatter", "--token", Secret, "--no-logo"]);
            AssertChatterComplete(chatter);
            // Lines never interleave, not even those Spectre writes segment by segment.
            Assert.All(chatter.Output.Split('\n'), line => Assert.True(Tag().Count(line) <= 1, $"two writers share a line: {line}"));
        }
    }

    [Fact]
    public async Task Threads_writing_through_every_path_at_once_never_deadlock_on_a_terminal()
    {
        // script(1) gives the build a real pseudo-terminal: Spectre's live view and the terminal console paths run.
        var command = string.Join(' ', ["dotnet", SampleBuild, "Chatter", "--token", Secret, "--no-logo"]);
        for (var run = 0; run < 3; run++)
        {
            AssertChatterComplete(await RunAsync("script", ["--quiet", "--return", "--command", command, "/dev/null"]));
        }
    }

    [Fact]
    public async Task SIGTERM_ends_a_build_whose_standard_output_is_a_full_pipe()
    {
        var folder = Directory.CreateTempSubdirectory("kiln-flood-").FullName;
        try
        {
            var ready = Path.Combine(folder, "ready");
            var start = Start("dotnet", [SampleBuild, "Flood", "--ready-file", ready, "--no-logo"]);
            // Standard output is never read: it fills after 64 KiB and stays full.
            using var process = System.Diagnostics.Process.Start(start)!;
            try
            {
                var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
                var deadline = Stopwatch.StartNew();
                while (!File.Exists(ready) && deadline.Elapsed < Limit && !process.HasExited)
                {
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }

                Assert.True(File.Exists(ready), "the build never got past filling its output");

                using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
                }

                var exited = await ExitsWithinAsync(process, Limit);
                Assert.True(exited, "SIGTERM did not end a build whose output is a full pipe");
                Assert.Equal(1, process.ExitCode);
                Assert.True(File.Exists(ready + ".cleaned"), "the cancelled target did not finish its cleanup");
                await error;
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_target_that_prints_nothing_for_the_stall_limit_is_named_with_its_running_time()
    {
        var (exitCode, output) = await RunAsync("dotnet", [SampleBuild, "Quiet", "--no-logo"], new() { ["KILN_STALL_WARNING"] = "1" });

        Assert.True(exitCode == 0, output);
        Assert.Matches(@"Nothing printed for \d\.\ds; still running Quiet \(for \d\.\ds\)\.", output);
    }

    private static void AssertChatterComplete((int ExitCode, string Output) run)
    {
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}; output ends:\n{Tail(run.Output)}");
        Assert.Contains("CHATTER DONE", run.Output, StringComparison.Ordinal);
        for (var thread = 0; thread < 8; thread++)
        {
            Assert.Contains($"thread {thread} done", run.Output, StringComparison.Ordinal);
        }

        Assert.Contains("out t0-2 ***", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, run.Output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, Dictionary<string, string>? environment = null)
    {
        var start = Start(fileName, arguments);
        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        if (!await ExitsWithinAsync(process, Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} {string.Join(' ', arguments)} hung for {Limit.TotalSeconds} s (a console deadlock)");
        }
        return (process.ExitCode, await output + await error);
    }

    private static async Task<bool> ExitsWithinAsync(System.Diagnostics.Process process, TimeSpan limit)
    {
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(limit, TestContext.Current.CancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static ProcessStartInfo Start(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in new[] { "GITHUB_ACTIONS", "TF_BUILD", "GITHUB_STEP_SUMMARY", "KILN_VERBOSITY", "CI", "KILN_STALL_WARNING" })
        {
            start.Environment.Remove(name);
        }

        return start;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\bt\d+-\d+\b")]
    private static partial System.Text.RegularExpressions.Regex Tag();

    private static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}
