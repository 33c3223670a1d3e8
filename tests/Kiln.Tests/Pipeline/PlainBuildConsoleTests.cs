using System.Text.RegularExpressions;
using Kiln.Consoles;
using Kiln.Model;
using Kiln.Sessions;
using Kiln.Testing;

namespace Kiln.Tests.Pipeline;

public sealed partial class PlainBuildConsoleTests : IDisposable
{
    private readonly SessionHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task The_ci_output_of_a_two_build_run_is_prefixed_plain_lines()
    {
        const long MiB = 1024 * 1024;
        var builder = new TestBuilder(_ =>
        [
            new LambdaStep("download", Stage.Boot, (state, _) =>
            {
                using var download = state.Context.Progress.Start("download base.qcow2", 300 * MiB);
                download.Advance(100 * MiB);
                download.Advance(200 * MiB);
                return Task.CompletedTask;
            }),
            new LambdaStep("start-vm", Stage.Boot, (state, _) =>
            {
                state.Context.Log.Info("vm started");
                return Task.CompletedTask;
            }),
            new LambdaStep("shell", Stage.Provision, (state, _) =>
            {
                state.Context.Log.Output("Setting up nginx-light");
                state.Context.Log.Output("debconf: unable to initialize frontend", isError: true);
                state.Context.Log.Warn("reboot required");
                return Task.CompletedTask;
            }),
            new LambdaStep("capture", Stage.Capture, (state, _) =>
            {
                state.Artifacts.Add(new Artifact { BuilderType = "test", Id = state.Context.BuildName });
                return Task.CompletedTask;
            }),
        ]);
        var options = _harness.Options(builder, parallelism: 1) with
        {
            Console = new PlainBuildConsole(_harness.Output, new PlainConsoleOptions { Timestamps = false, ProgressInterval = TimeSpan.Zero }),
            SkippedStages = new HashSet<Stage> { Stage.Verify },
        };

        await new ImageBuildSession([SessionHarness.Image("web", ["qemu", "docker"])], options).RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(
            """
            [web.qemu] started
            [web.qemu] ==> boot
            [web.qemu] download base.qcow2: started (300.0 MiB)
            [web.qemu] download base.qcow2: 33% (100.0 MiB of 300.0 MiB)
            [web.qemu] download base.qcow2: 100% (300.0 MiB of 300.0 MiB)
            [web.qemu] download base.qcow2: done (300.0 MiB in <t>)
            [web.qemu] vm started
            [web.qemu] ==> provision
            [web.qemu] | Setting up nginx-light
            [web.qemu] ! debconf: unable to initialize frontend
            [web.qemu] warning: reboot required
            [web.qemu] ==> capture
            [web.qemu] ==> publish
            [web.qemu] timings:
            [web.qemu]   boot       download <t>
            [web.qemu]   boot       start-vm <t>
            [web.qemu]   provision  shell <t>
            [web.qemu]   capture    capture <t>
            [web.qemu]              total <t>
            [web.docker] started
            [web.docker] ==> boot
            [web.docker] download base.qcow2: started (300.0 MiB)
            [web.docker] download base.qcow2: 33% (100.0 MiB of 300.0 MiB)
            [web.docker] download base.qcow2: 100% (300.0 MiB of 300.0 MiB)
            [web.docker] download base.qcow2: done (300.0 MiB in <t>)
            [web.docker] vm started
            [web.docker] ==> provision
            [web.docker] | Setting up nginx-light
            [web.docker] ! debconf: unable to initialize frontend
            [web.docker] warning: reboot required
            [web.docker] ==> capture
            [web.docker] ==> publish
            [web.docker] timings:
            [web.docker]   boot       download <t>
            [web.docker]   boot       start-vm <t>
            [web.docker]   provision  shell <t>
            [web.docker]   capture    capture <t>
            [web.docker]              total <t>
            ==> builds:
              web.qemu    built <t>
              web.docker  built <t>

            """.ReplaceLineEndings("\n"),
            Normalise(_harness.Text));
    }

    [Fact]
    public void Progress_lines_are_throttled_to_the_interval()
    {
        var clock = new ManualClock();
        using var output = new StringWriter();
        var console = new PlainBuildConsole(output, new PlainConsoleOptions { Timestamps = false, ProgressInterval = TimeSpan.FromSeconds(10), Clock = clock });
        var progress = console.CreateProgress("a.s", new ListRedactor());

        using (var upload = progress.Start("upload"))
        {
            upload.Advance(1024);
            clock.Advance(TimeSpan.FromSeconds(5));
            upload.Advance(1024);
            clock.Advance(TimeSpan.FromSeconds(5));
            upload.Advance(1024);
            clock.Advance(TimeSpan.FromSeconds(1));
            upload.Advance(1024);
        }

        Assert.Equal(
            ["[a.s] upload: started", "[a.s] upload: 3.0 KiB", "[a.s] upload: done (4.0 KiB in 11.0s)"],
            output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Lines_carry_a_utc_timestamp_on_ci_and_are_redacted()
    {
        var clock = new ManualClock();
        using var output = new StringWriter();
        var redactor = new ListRedactor();
        redactor.Add("s3cr3t");
        var log = new PlainBuildConsole(output, new PlainConsoleOptions { Clock = clock }).CreateLog("a.s", redactor);

        log.Info("token s3cr3t\nsecond line");
        log.Verbose("not shown without verbose");

        Assert.Equal(["12:34:56 [a.s] token <sensitive>", "12:34:56 [a.s] second line"], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    internal static string Normalise(string text) => DurationPattern().Replace(text, " <t>").ReplaceLineEndings("\n");

    [GeneratedRegex(@"\s*\b(\d+ms|\d+\.\d+s|\d+m\d\ds|\d+h\d\dm)\b")]
    private static partial Regex DurationPattern();

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 23, 12, 34, 56, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
