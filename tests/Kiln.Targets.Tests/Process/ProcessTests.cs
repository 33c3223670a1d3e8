using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Kiln.Targets.Tests.Process;

/// <summary>The host as a real process (tests/Kiln.Targets.SampleBuild): signals, exit codes and redaction of Console output.</summary>
public sealed class ProcessTests
{
    private static readonly string SampleBuild = typeof(ProcessTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SampleBuild").Value!;

    // SIGTERM only: a process started in the background may inherit an ignored SIGINT, so Ctrl-C is covered in-process
    // (CancellationTests) through the same BuildInterrupts the SIGINT handler calls.
    [Fact]
    public async Task SIGTERM_cancels_the_running_target_which_cleans_up_and_the_build_exits_1_as_aborted()
    {
        await using var build = SampleProcess.Start(["AfterWait", "--no-logo"]);
        await build.WaitForLineAsync("WAITING");
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", build.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        var exitCode = await build.WaitForExitAsync();
        var output = build.Output;
        Assert.Equal(1, exitCode);
        Assert.Contains("CLEANED UP", output, StringComparison.Ordinal);
        Assert.Contains("Wait was aborted", output, StringComparison.Ordinal);
        Assert.Contains("Build aborted", output, StringComparison.Ordinal);
        Assert.DoesNotContain("must not run", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task What_targets_print_through_Console_is_redacted()
    {
        await using var build = SampleProcess.Start(["Hello", "--token", "tok-5ecret-42"]);
        Assert.Equal(0, await build.WaitForExitAsync());
        Assert.Contains("hello, token ***", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-5ecret-42", build.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "Hello" }, 0)]
    [InlineData(new[] { "Fail" }, 1)]
    [InlineData(new[] { "Helo" }, 2)]
    [InlineData(new[] { "Hello", "--unknown" }, 2)]
    public async Task Exit_codes_say_success_failure_or_usage_error(string[] args, int expected)
    {
        await using var build = SampleProcess.Start(args);
        Assert.Equal(expected, await build.WaitForExitAsync());
        if (expected == 2)
        {
            Assert.Contains("hint: ", build.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task On_GitHub_Actions_each_target_is_a_group()
    {
        await using var build = SampleProcess.Start(["Hello"], new() { ["GITHUB_ACTIONS"] = "true" });
        Assert.Equal(0, await build.WaitForExitAsync());
        Assert.Contains("::group::Hello\n", build.Output, StringComparison.Ordinal);
        Assert.Contains("::endgroup::\n", build.Output, StringComparison.Ordinal);
    }

    private sealed class SampleProcess : IAsyncDisposable
    {
        private readonly System.Diagnostics.Process _process;
        private readonly StringBuilder _output = new();
        private readonly Lock _gate = new();
        private readonly List<(string Line, TaskCompletionSource Seen)> _waiters = [];

        private SampleProcess(System.Diagnostics.Process process) => _process = process;

        public int Id => _process.Id;

        public string Output
        {
            get
            {
                lock (_gate)
                {
                    return _output.ToString();
                }
            }
        }

        public static SampleProcess Start(string[] args, Dictionary<string, string>? environment = null)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            start.ArgumentList.Add(SampleBuild);
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            foreach (var name in new[] { "GITHUB_ACTIONS", "TF_BUILD", "GITHUB_STEP_SUMMARY", "KILN_VERBOSITY" })
            {
                start.Environment.Remove(name);
            }

            foreach (var (name, value) in environment ?? [])
            {
                start.Environment[name] = value;
            }

            var process = System.Diagnostics.Process.Start(start)!;
            var sample = new SampleProcess(process);
            process.OutputDataReceived += (_, e) => sample.Append(e.Data);
            process.ErrorDataReceived += (_, e) => sample.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return sample;
        }

        public Task WaitForLineAsync(string line)
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_output.ToString().Contains(line, StringComparison.Ordinal))
                {
                    return Task.CompletedTask;
                }

                _waiters.Add((line, seen));
            }
            // Generous: only there to stop a hang on a loaded machine.
            return seen.Task.WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        }

        public async Task<int> WaitForExitAsync()
        {
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
            _process.WaitForExit();
            return _process.ExitCode;
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_gate)
            {
                _output.Append(line).Append('\n');
                foreach (var waiter in _waiters.Where(w => line.Contains(w.Line, StringComparison.Ordinal)).ToList())
                {
                    waiter.Seen.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
            _process.Dispose();
        }
    }
}
