using Kiln.Targets.Tests.Support;

namespace Kiln.Targets.Tests.Execution;

public sealed class CancellationTests
{
    private sealed class Slow : KilnBuild
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource CleanupStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource ReleaseCleanup { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool CleanedUp { get; private set; }

        public List<string> Ran { get; } = [];

        private Target First => _ => _.Executes(() => Ran.Add(nameof(First)));

        private Target Wait => _ => _.DependsOn(First).Executes(async cancellationToken =>
        {
            Session.DescribeCleanupWith(() => CleanupStarted.Task.IsCompleted && !CleanedUp ? ["vm-1: stop machine"] : []);
            Started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                CleanupStarted.SetResult();
                await ReleaseCleanup.Task;
                CleanedUp = true;
            }
        });

        private Target After => _ => _.DependsOn(Wait).Executes(() => Ran.Add(nameof(After)));

        private Target Cleanup => _ => _.After(After).AssuredAfterFailure().Executes(() => Ran.Add(nameof(Cleanup)));
    }

    [Fact]
    public async Task An_interrupt_cancels_the_running_target_lets_it_clean_up_and_reports_aborted()
    {
        var build = new Slow();
        var run = await HostRun.RunAsync(build, ["After", "Cleanup"], HostKind.Plain, whileRunning: async host =>
        {
            await build.Started.Task.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
            Assert.Equal(1, host.Interrupts.Interrupt());
            await build.CleanupStarted.Task.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
            Assert.Equal(2, host.Interrupts.Interrupt());
            build.ReleaseCleanup.SetResult();
        });

        Assert.Equal(1, run.ExitCode);
        Assert.True(build.CleanedUp);
        Assert.Equal(BuildOutcome.Aborted, run.Result.Outcome);
        Assert.Equal(TargetStatus.Succeeded, run.Status("First"));
        Assert.Equal(TargetStatus.Aborted, run.Status("Wait"));
        Assert.Equal(TargetStatus.NotRun, run.Status("After"));
        Assert.Equal(TargetStatus.NotRun, run.Status("Cleanup"));
        Assert.Equal(["First"], build.Ran);
        Assert.Contains("Interrupted: cancelling Wait", run.Output, StringComparison.Ordinal);
        Assert.Contains("Still running: Wait", run.Output, StringComparison.Ordinal);
        Assert.Contains("still cleaning up vm-1: stop machine", run.Output, StringComparison.Ordinal);
        Assert.Contains("Build aborted", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_caller_token_aborts_the_build_too()
    {
        var build = new Slow();
        build.ReleaseCleanup.SetResult();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var console = new Spectre.Console.Testing.TestConsole();
        var host = new BuildHost(console, new HostEnvironment(new Dictionary<string, string>(), Path.GetTempPath(), isTerminal: false), new FrozenTime());
        var running = host.RunAsync(build, ["After"], cancellationToken: cancellation.Token);
        await build.Started.Task.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        await cancellation.CancelAsync();

        Assert.Equal(1, await running.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken));
        Assert.True(build.CleanedUp);
        Assert.Equal(TargetStatus.Aborted, host.LastResult!["Wait"].Status);
    }
}
