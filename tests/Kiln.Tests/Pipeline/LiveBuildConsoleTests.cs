using Kiln.Consoles;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Testing;
using Spectre.Console.Testing;

namespace Kiln.Tests.Pipeline;

public sealed class LiveBuildConsoleTests
{
    [Fact]
    public async Task The_live_view_shows_each_build_its_stage_step_and_a_bar_for_long_work()
    {
        using var terminal = new TestConsole().Interactive().Width(120);
        await using var live = new LiveBuildConsole(terminal, TimeSpan.FromMilliseconds(10));
        var redactor = new ListRedactor();
        redactor.Add("hunter2");
        _ = live.CreateLog("web.qemu", redactor);
        _ = live.CreateLog("web.docker", redactor);
        var progress = live.CreateProgress("web.qemu", redactor);

        live.BuildChanged("web.qemu", BuildStatus.Running, Stage.Boot);
        progress.StepStarted("download", Stage.Boot);
        using var download = progress.Start("download base.qcow2 (token hunter2)", 400);
        download.Advance(100);

        var frame = Frame(live);
        Assert.Contains("web.qemu", frame, StringComparison.Ordinal);
        Assert.Contains("running", frame, StringComparison.Ordinal);
        Assert.Contains("boot: download", frame, StringComparison.Ordinal);
        Assert.Contains("━━━━━━──────────────────", frame, StringComparison.Ordinal);
        Assert.Contains("download base.qcow2 (token <sensitive>)", frame, StringComparison.Ordinal);
        Assert.Contains("25% (100 B of 400 B)", frame, StringComparison.Ordinal);
        Assert.Contains("web.docker", frame, StringComparison.Ordinal);
        Assert.Contains("pending", frame, StringComparison.Ordinal);

        download.Dispose();
        Assert.DoesNotContain("base.qcow2", Frame(live), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_lines_scroll_above_the_view_redacted_and_the_summary_lists_every_build()
    {
        using var terminal = new TestConsole().Interactive().Width(160);
        await using var live = new LiveBuildConsole(terminal, TimeSpan.FromMilliseconds(10));
        var redactor = new ListRedactor();
        redactor.Add("hunter2");
        var log = live.CreateLog("web.qemu", redactor);
        live.BuildChanged("web.qemu", BuildStatus.Running, Stage.Provision);

        log.Info("password is hunter2");
        log.Error("apt-get failed");
        live.Summary(
        [
            new BuildResult { Image = "web", Source = "qemu", Status = BuildStatus.Failed, Reason = "step 'shell' (provision) failed: exit 100", Hint = "see the output above", Duration = TimeSpan.FromSeconds(75) },
            new BuildResult { Image = "web", Source = "docker", Status = BuildStatus.Skipped, Reason = "dependency base.x failed" },
        ]);

        var output = terminal.Output;
        Assert.DoesNotContain("hunter2", output, StringComparison.Ordinal);
        Assert.Contains("[web.qemu] password is <sensitive>", output, StringComparison.Ordinal);
        Assert.Contains("[web.qemu] error: apt-get failed", output, StringComparison.Ordinal);
        Assert.Contains("failed", output, StringComparison.Ordinal);
        Assert.Contains("1m15s", output, StringComparison.Ordinal);
        Assert.Contains("step 'shell' (provision) failed: exit 100", output, StringComparison.Ordinal);
        Assert.Contains("hint: see the output above", output, StringComparison.Ordinal);
        Assert.Contains("dependency base.x failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prompt_pauses_the_view_and_returns_on_enter()
    {
        using var terminal = new TestConsole().Interactive().Width(120);
        await using var live = new LiveBuildConsole(terminal, TimeSpan.FromMilliseconds(10));
        live.BuildChanged("web.qemu", BuildStatus.Running, Stage.Boot);
        terminal.Input.PushKey(ConsoleKey.A);
        terminal.Input.PushKey(ConsoleKey.Enter);

        await live.WaitForEnterAsync("web.qemu failed; press Enter to clean up", TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.True(live.IsInteractive);
        Assert.Contains("web.qemu failed; press Enter to clean up", terminal.Output, StringComparison.Ordinal);
        Assert.False(terminal.Input.IsKeyAvailable());
    }

    private static string Frame(LiveBuildConsole live)
    {
        using var screen = new TestConsole().Width(120);
        screen.Write(live.Render());
        return screen.Output;
    }
}
