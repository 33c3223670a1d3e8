using Kiln.Engine;
using Kiln.Model;
using Kiln.Testing;

namespace Kiln.Tests.Pipeline;

public sealed class BuildPipelineTests
{
    private const int StepCount = 5;

    private static (TestState State, List<RecordingStep> Steps) Build(Func<int, RecordingStep>? make = null, TestLog? log = null)
    {
        var state = new TestState(TestBuild.Context(new TestSourceConfig(), log: log));
        var stages = new[] { Stage.Boot, Stage.Boot, Stage.Provision, Stage.Capture, Stage.Verify };
        var steps = Enumerable.Range(0, StepCount).Select(i => make?.Invoke(i) ?? new RecordingStep($"s{i}", stages[i])).ToList();
        return (state, steps);
    }

    [Fact]
    public async Task Runs_steps_in_order_then_cleans_up_in_reverse()
    {
        var (state, steps) = Build();
        var pipeline = new BuildPipeline<TestState>(state, steps);

        await pipeline.RunAsync(Stage.Publish, TestContext.Current.CancellationToken);
        await pipeline.CleanupAsync(TestContext.Current.CancellationToken);

        Assert.Equal(
            ["run s0", "run s1", "run s2", "run s3", "run s4", "cleanup s4", "cleanup s3", "cleanup s2", "cleanup s1", "cleanup s0"],
            state.Events);
        Assert.All(state.Timings, t => Assert.Equal(StepOutcome.Succeeded, t.Outcome));
        Assert.Equal(["s0", "s1", "s2", "s3", "s4"], state.Timings.Select(t => t.Step));
    }

    [Fact]
    public async Task Runs_stage_by_stage_and_only_up_to_the_requested_stage()
    {
        var stages = new[] { Stage.Boot, Stage.Provision, Stage.Provision, Stage.Capture, Stage.Publish };
        var (state, steps) = Build(i => new RecordingStep($"s{i}", stages[i]));
        var pipeline = new BuildPipeline<TestState>(state, steps);

        await pipeline.RunAsync(Stage.Provision, TestContext.Current.CancellationToken);
        Assert.Equal(["run s0", "run s1", "run s2"], state.Events);

        await pipeline.RunAsync(Stage.Verify, TestContext.Current.CancellationToken);
        Assert.Equal(["run s0", "run s1", "run s2", "run s3"], state.Events);
        Assert.Equal(["s3", "s2", "s1", "s0"], pipeline.PendingCleanups);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task A_failure_at_any_step_cleans_up_exactly_the_started_steps_in_reverse(int failing)
    {
        var (state, steps) = Build(i => new RecordingStep($"s{i}") { FailRun = i == failing });
        var pipeline = new BuildPipeline<TestState>(state, steps);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => pipeline.RunAsync(Stage.Publish, TestContext.Current.CancellationToken));
        await pipeline.CleanupAsync(TestContext.Current.CancellationToken);

        Assert.Equal($"s{failing} failed", error.Message);
        var expected = Enumerable.Range(0, failing + 1).Select(i => $"run s{i}")
            .Concat(Enumerable.Range(0, failing + 1).Reverse().Select(i => $"cleanup s{i}"));
        Assert.Equal(expected, state.Events);
        Assert.Equal(StepOutcome.Failed, state.Timings[^1].Outcome);
        Assert.Equal(failing + 1, state.Timings.Count);
        Assert.Empty(pipeline.PendingCleanups);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Cancellation_at_any_step_cleans_up_exactly_the_started_steps_in_reverse(int blocking)
    {
        var (state, steps) = Build(i => new RecordingStep($"s{i}") { BlockRun = i == blocking });
        var pipeline = new BuildPipeline<TestState>(state, steps);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var run = pipeline.RunAsync(Stage.Publish, cts.Token);
        await steps[blocking].Started.Task.WaitAsync(TestContext.Current.CancellationToken);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await pipeline.CleanupAsync(TestContext.Current.CancellationToken);

        var expected = Enumerable.Range(0, blocking + 1).Select(i => $"run s{i}")
            .Concat(Enumerable.Range(0, blocking + 1).Reverse().Select(i => $"cleanup s{i}"));
        Assert.Equal(expected, state.Events);
        Assert.Equal(StepOutcome.Cancelled, state.Timings[^1].Outcome);
    }

    [Fact]
    public async Task A_cancelled_token_before_a_step_starts_runs_nothing_more()
    {
        var (state, steps) = Build();
        var pipeline = new BuildPipeline<TestState>(state, steps);
        await pipeline.RunAsync(Stage.Boot, TestContext.Current.CancellationToken);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.RunAsync(Stage.Publish, new CancellationToken(canceled: true)));

        Assert.Equal(["run s0", "run s1"], state.Events);
    }

    [Fact]
    public async Task A_cleanup_that_throws_does_not_stop_the_other_cleanups()
    {
        var log = new TestLog();
        var (state, steps) = Build(i => new RecordingStep($"s{i}") { FailCleanup = i is 1 or 3 }, log);
        var pipeline = new BuildPipeline<TestState>(state, steps);

        await pipeline.RunAsync(Stage.Publish, TestContext.Current.CancellationToken);
        await pipeline.CleanupAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["cleanup s4", "cleanup s3", "cleanup s2", "cleanup s1", "cleanup s0"], state.Events.Skip(StepCount));
        Assert.Contains("error: cleanup of 's3' failed: cleanup of s3 exploded", log.Lines);
        Assert.Contains("error: cleanup of 's1' failed: cleanup of s1 exploded", log.Lines);
    }

    [Fact]
    public async Task A_cleanup_that_hangs_is_abandoned_when_its_time_is_up_and_the_others_still_run()
    {
        var log = new TestLog();
        var (state, steps) = Build(i => new RecordingStep($"s{i}") { HangCleanup = i == 2 }, log);
        var pipeline = new BuildPipeline<TestState>(state, steps);
        await pipeline.RunAsync(Stage.Publish, TestContext.Current.CancellationToken);

        using var bounded = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await pipeline.CleanupAsync(bounded.Token).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Equal(["cleanup s4", "cleanup s3", "cleanup s2", "cleanup s1", "cleanup s0"], state.Events.Skip(StepCount));
        Assert.Contains(log.Lines, l => l.StartsWith("error: cleanup of 's2' did not finish in time", StringComparison.Ordinal));
        Assert.Empty(pipeline.PendingCleanups);
    }

    [Fact]
    public async Task Cleanup_runs_once_even_when_called_twice()
    {
        var (state, steps) = Build();
        var pipeline = new BuildPipeline<TestState>(state, steps);
        await pipeline.RunAsync(Stage.Boot, TestContext.Current.CancellationToken);

        await pipeline.CleanupAsync(TestContext.Current.CancellationToken);
        await pipeline.DisposeAsync();

        Assert.Equal(["run s0", "run s1", "cleanup s1", "cleanup s0"], state.Events);
    }

    [Fact]
    public async Task A_skipped_stage_records_its_steps_as_skipped_and_runs_the_rest()
    {
        var (state, steps) = Build();
        var pipeline = new BuildPipeline<TestState>(state, steps);
        pipeline.SkipStage(Stage.Provision);

        await pipeline.RunAsync(Stage.Publish, TestContext.Current.CancellationToken);

        Assert.Equal(["run s0", "run s1", "run s3", "run s4"], state.Events);
        Assert.Equal(StepOutcome.Skipped, state.Timings.Single(t => t.Step == "s2").Outcome);
    }
}
