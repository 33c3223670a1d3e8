using System.Diagnostics;
using System.Text;
using Kiln.Ledger;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// <c>BuildImages</c> of a repository's build (tests/Kiln.TestBuildHost run as <c>./build.sh</c> runs it) builds three
/// real QEMU images at once and is stopped while one is booting, one is provisioning and one is converting its disks:
/// by SIGKILL (then one <c>SweepImages</c> must remove everything), by SIGTERM (how a CI runner cancels) or by Ctrl-C
/// (SIGINT to the whole process group, qemu and qemu-img included). Afterwards no process of the run, ledger entry, run
/// folder, QMP socket, key, overlay or staging folder is left. One run covers the three points, so each signal costs two
/// real boots. A last test presses Ctrl-C while standard output is a full pipe.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class QemuInterruptTests : IDisposable
{
    private const int SigInt = 2;

    private static readonly TimeSpan ReachPoints = TimeSpan.FromMinutes(25);

    private static readonly TimeSpan ExitAfterSignal = TimeSpan.FromMinutes(4);

    private readonly string _root = Directory.CreateTempSubdirectory("kiln-interrupt-").FullName;

    private string Temp => Path.Combine(_root, "tmp");

    private string LedgerDirectory => Path.Combine(_root, ".kiln", "ledger");

    private string Output => Path.Combine(_root, "output", "images");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        // Only after a failed assertion: whatever the run left must not outlive the test.
        foreach (var pid in ProcessesOfThisTest())
        {
            NativeMethods.Kill(pid, NativeMethods.SigKill);
        }

        Directory.Delete(_root, recursive: true);
    }

    public static TheoryData<string> Signals => ["SIGKILL", "SIGTERM", "SIGINT"];

    [Theory]
    [MemberData(nameof(Signals))]
    public async Task A_build_stopped_while_booting_provisioning_and_converting_leaves_nothing(string signal)
    {
        WriteRepository();
        using var build = Start("BuildImages", "--parallel", "3", "--no-cache");
        await build.WaitForAsync(ReachPoints, output =>
            output.Contains("[booting.local] waiting for SSH", StringComparison.Ordinal)
            && output.Contains("[provisioning.local] | kiln-test-holding", StringComparison.Ordinal)
            && output.Contains("[converting.local] ==> capture", StringComparison.Ordinal)
            && ProcessesOfThisTest().Any(pid => CommandLine(pid).Contains("qemu-img convert", StringComparison.Ordinal)));
        // The converting machine is powered off by now; the other two still run.
        Assert.Equal(2, ProcessesOfThisTest().Count(pid => CommandLine(pid).Contains("qemu-system", StringComparison.Ordinal)));
        Assert.Single(Directory.GetDirectories(Path.Combine(Temp, "kiln")));
        Assert.NotEmpty(Directory.GetFiles(Temp, "kiln-qmp-*.sock"));

        switch (signal)
        {
            case "SIGKILL":
                Assert.Equal(0, NativeMethods.Kill(build.Pid, NativeMethods.SigKill));
                Assert.Equal(137, await build.ExitCodeAsync(ExitAfterSignal));
                Assert.Contains(ProcessesOfThisTest(), pid => CommandLine(pid).Contains("qemu-system", StringComparison.Ordinal));
                Assert.NotEmpty(Directory.GetFiles(LedgerDirectory, "*.json"));
                using (var sweep = Start("SweepImages"))
                {
                    var swept = await sweep.ExitCodeAsync(ExitAfterSignal);
                    Assert.True(swept == 0, sweep.Text);
                    Assert.Contains("live run(s) left alone", sweep.Text, StringComparison.Ordinal);
                }

                break;
            case "SIGTERM":
                Assert.Equal(0, NativeMethods.Kill(build.Pid, NativeMethods.SigTerm));
                Assert.True(await build.ExitCodeAsync(ExitAfterSignal) == 1, build.Text);
                Assert.True(build.Text.Contains("Build aborted", StringComparison.Ordinal), build.Text);
                break;
            default:
                // Ctrl-C on a terminal signals the whole foreground process group: Kiln, qemu and qemu-img alike.
                Assert.Equal(0, NativeMethods.Kill(-build.Pid, SigInt));
                Assert.True(await build.ExitCodeAsync(ExitAfterSignal) == 1, build.Text);
                Assert.True(build.Text.Contains("Build aborted", StringComparison.Ordinal), build.Text);
                break;
        }

        AssertNothingLeft($"{signal}:\n{build.Text}");
    }

    /// <summary>
    /// Ctrl-C while nobody reads standard output (a 64 KiB pipe, full of a chatty step's lines) during a real build's
    /// provisioning: the host still stops by itself in bounded time and cleans up everything.
    /// </summary>
    [Fact]
    public async Task Ctrl_c_while_standard_output_is_a_full_pipe_stops_a_real_build_and_leaves_nothing()
    {
        var templates = CreateRepository();
        var held = Path.Combine(_root, "held");
        File.WriteAllText(Path.Combine(templates, "chatty.kiln.yaml"), $$"""
            name: chatty
            {{Source}}
            provision:
              - shell: { inline: ["for i in $(seq 1 4000); do echo line $i of a step that fills the pipe; done"] }
              # The test cannot read the output, so the build tells it through a file that it is holding.
              - file: { source: /etc/hostname, destination: "{{held}}", direction: download }
              - shell: { inline: ["sleep 3600"] }
            """);
        using var build = Start(readOutput: false, "BuildImages", "--no-cache");
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(held))
        {
            Assert.False(build.HasExited, $"the build ended before it held:\n{build.Text}");
            Assert.True(deadline.Elapsed < ReachPoints, $"the build did not hold within {ReachPoints}:\n{build.Text}");
            await Task.Delay(100, Token);
        }

        Assert.True(build.BlockedOnOutput, "standard output should be a full pipe by now");
        Assert.Equal(0, NativeMethods.Kill(-build.Pid, SigInt));
        Assert.True(await build.ExitCodeAsync(ExitAfterSignal) == 1, build.Text);

        AssertNothingLeft(build.Text);
    }

    /// <summary>No process of the run, ledger entry, run folder (overlays, keys, console logs), QMP socket or output.</summary>
    private void AssertNothingLeft(string report)
    {
        Assert.True(ProcessesOfThisTest().Count == 0, $"processes left: {string.Join("; ", ProcessesOfThisTest().Select(CommandLine))}\n{report}");
        Assert.True(!Directory.Exists(LedgerDirectory) || Directory.GetFiles(LedgerDirectory, "*.json").Length == 0, $"ledger entries left\n{report}");
        var runs = Path.Combine(Temp, "kiln");
        Assert.True(!Directory.Exists(runs) || Directory.GetFileSystemEntries(runs).Length == 0, $"run folder left\n{report}");
        Assert.True(Directory.GetFiles(Temp, "kiln-*").Length == 0, $"sockets left: {string.Join(", ", Directory.GetFiles(Temp, "kiln-*"))}\n{report}");
        var outputs = Directory.Exists(Output) ? Directory.GetFiles(Output, "*", SearchOption.AllDirectories) : [];
        Assert.True(outputs.Length == 0, $"outputs left: {string.Join(", ", outputs)}\n{report}");
    }

    /// <summary>The source every definition of these tests builds: Kiln's bootstrapped base, generous timeouts, no verify.</summary>
    private const string Source = """
        sources:
          local:
            type: qemu
            base: { bootstrap: { suite: bookworm } }
            disk_size: 4G
            accelerator: tcg
            boot_timeout: 30m
            ssh_timeout: 30m
            verify: { enabled: false }
        """;

    /// <summary>A scratch repository (a .git folder, its own temporary folder); returns its templates folder.</summary>
    private string CreateRepository()
    {
        Directory.CreateDirectory(Path.Combine(_root, ".git"));
        Directory.CreateDirectory(Temp);
        return Directory.CreateDirectory(Path.Combine(_root, "templates")).FullName;
    }

    /// <summary>
    /// A repository with three definitions, each held at one point: a machine started paused (-S) never answers SSH; a
    /// shell step that sleeps holds provisioning; a compressed qcow2 keeps qemu-img converting for a long while.
    /// </summary>
    private void WriteRepository()
    {
        var templates = CreateRepository();
        File.WriteAllText(Path.Combine(templates, "booting.kiln.yaml"), $$"""
            name: booting
            {{Source}}
                qemu_args: ["-S"]
            provision:
              - shell: { inline: ["true"] }
            """);
        File.WriteAllText(Path.Combine(templates, "provisioning.kiln.yaml"), $$"""
            name: provisioning
            {{Source}}
            provision:
              - shell: { inline: ["echo kiln-test-holding", "sleep 3600"] }
            """);
        File.WriteAllText(Path.Combine(templates, "converting.kiln.yaml"), $$"""
            name: converting
            {{Source}}
                formats: [vmdk, vdi, qcow2]
                compress_qcow2: true
            provision:
              # Leaves the provisioning machine time to reach its hold before this one converts.
              - shell: { inline: ["sleep 30"] }
            """);
    }

    private RunningHost Start(params string[] arguments) => Start(readOutput: true, arguments);

    /// <param name="readOutput">False leaves standard output a pipe that nobody reads: it fills up and stays full.</param>
    private RunningHost Start(bool readOutput, params string[] arguments)
    {
        // The host leads its own process group and session, as a shell's foreground job does, so SIGINT can go to the
        // group. SIGINT is reset to its default first: a test runner started in the background (nohup, &) ignores it,
        // and its children would inherit that. $TMPDIR puts the run folder and sockets under this test's root.
        var start = new ProcessStartInfo("perl", [
            "-MPOSIX", "-e", "POSIX::setsid(); $SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec: $!\"",
            "dotnet", Path.Combine(AppContext.BaseDirectory, "Kiln.TestBuildHost.dll"), "targets", .. arguments])
        {
            WorkingDirectory = _root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["TMPDIR"] = Temp;
        start.Environment["KILN_CACHE"] = QemuTestEnvironment.CacheDirectory;
        return new RunningHost(Process.Start(start) ?? throw new InvalidOperationException("the build host did not start"), readOutput);
    }

    /// <summary>Processes whose command line names this test's folder: qemu, qemu-img and whatever else the run started.</summary>
    private List<int> ProcessesOfThisTest()
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            var pid = int.Parse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture);
            if (pid != Environment.ProcessId && CommandLine(pid).Contains(_root, StringComparison.Ordinal))
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return ""; // it ended while we looked
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>The host process with its output collected as it comes.</summary>
    private sealed class RunningHost : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        public RunningHost(Process process, bool readOutput)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            if (readOutput)
            {
                process.BeginOutputReadLine();
            }

            process.BeginErrorReadLine();
        }

        /// <summary>Whether a thread of the host waits to write into a full pipe.</summary>
        public bool BlockedOnOutput => Directory.EnumerateFiles($"/proc/{Pid}/task", "wchan", SearchOption.AllDirectories)
            .Any(wchan => ReadOrEmpty(wchan).Contains("pipe_write", StringComparison.Ordinal));

        private static string ReadOrEmpty(string path)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (IOException)
            {
                return ""; // the thread ended while we looked
            }
        }

        public int Pid => _process.Id;

        public bool HasExited => _process.HasExited;

        public string Text
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public async Task WaitForAsync(TimeSpan limit, Func<string, bool> reached)
        {
            var deadline = Stopwatch.StartNew();
            while (!reached(Text))
            {
                Assert.False(_process.HasExited, $"the build ended before it reached the point:\n{Text}");
                Assert.True(deadline.Elapsed < limit, $"the build did not reach the point within {limit}:\n{Text}");
                await Task.Delay(50, Token);
            }
        }

        public async Task<int> ExitCodeAsync(TimeSpan limit)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
            timeout.CancelAfter(limit);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!Token.IsCancellationRequested)
            {
                Assert.Fail($"the host did not exit within {limit} of the signal:\n{Text}");
            }

            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
