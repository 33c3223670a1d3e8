using System.Collections.Concurrent;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Model;
using Kiln.Sessions;

namespace Kiln.Tests.Pipeline;

public sealed class ImageBuildSessionTests : IDisposable
{
    private readonly SessionHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Never_runs_more_builds_at_once_than_the_limit_and_does_reach_it(int limit)
    {
        var running = 0;
        var maximum = 0;
        var release = new SemaphoreSlim(0);
        var builder = new TestBuilder(_ => [new LambdaStep("work", Stage.Boot, async (_, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maximum, now);
            try
            {
                await release.WaitAsync(ct);
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        })]);
        var session = new ImageBuildSession(
            [SessionHarness.Image("a", ["s1", "s2", "s3"]), SessionHarness.Image("b", ["s1", "s2", "s3"])],
            _harness.Options(builder, parallelism: limit));

        var run = session.RunAsync(Token);
        for (var remaining = 6; remaining > 0; remaining--)
        {
            var expected = Math.Min(limit, remaining);
            await Eventually.TrueAsync(() => Volatile.Read(ref running) == expected, $"{expected} builds running");
            release.Release();
        }

        var results = await run;
        Assert.All(results, r => Assert.Equal(BuildStatus.Built, r.Status));
        Assert.Equal(limit, maximum);
    }

    [Fact]
    public async Task A_dependent_image_starts_after_all_builds_of_its_dependency_and_sees_their_artifacts()
    {
        var events = new ConcurrentQueue<string>();
        IReadOnlyDictionary<string, IReadOnlyList<BuildResult>>? seen = null;
        var builder = new TestBuilder(source => [new LambdaStep("capture", Stage.Capture, async (state, _) =>
        {
            events.Enqueue($"start {state.Context.BuildName}");
            await Task.Yield();
            state.Artifacts.Add(new Artifact { BuilderType = "test", Id = state.Context.BuildName });
            events.Enqueue($"end {state.Context.BuildName}");
        })]);
        var session = new ImageBuildSession(
            [SessionHarness.Image("app", ["x"], dependsOn: ["base"], onResolve: d => seen = d), SessionHarness.Image("base", ["q", "d"])],
            _harness.Options(builder));

        var results = await session.RunAsync(Token);

        Assert.All(results, r => Assert.Equal(BuildStatus.Built, r.Status));
        var order = events.ToList();
        Assert.True(order.IndexOf("start app.x") > order.IndexOf("end base.q"), string.Join(", ", order));
        Assert.True(order.IndexOf("start app.x") > order.IndexOf("end base.d"), string.Join(", ", order));
        Assert.NotNull(seen);
        Assert.Equal(["base.d", "base.q"], seen["base"].SelectMany(r => r.Artifacts).Select(a => a.Id).Order());
    }

    [Fact]
    public async Task Dependents_of_a_failed_build_are_skipped_with_the_reason_and_the_rest_still_build()
    {
        var builder = new TestBuilder(source => [new LambdaStep("boot", Stage.Boot, (state, _) =>
            state.Context.BuildName == "base.bad" ? throw new KilnException("no disk") : Task.CompletedTask)]);
        var session = new ImageBuildSession(
            [
                SessionHarness.Image("base", ["good", "bad"]),
                SessionHarness.Image("app", ["x"], dependsOn: ["base"]),
                SessionHarness.Image("top", ["y"], dependsOn: ["app"]),
                SessionHarness.Image("other", ["z"]),
            ],
            _harness.Options(builder));

        var results = (await session.RunAsync(Token)).ToDictionary(r => r.Name);

        Assert.Equal(BuildStatus.Built, results["base.good"].Status);
        Assert.Equal(BuildStatus.Failed, results["base.bad"].Status);
        Assert.Equal("step 'boot' (boot) failed: no disk", results["base.bad"].Reason);
        Assert.Equal(BuildStatus.Skipped, results["app.x"].Status);
        Assert.Equal("dependency base.bad failed", results["app.x"].Reason);
        Assert.Equal(BuildStatus.Skipped, results["top.y"].Status);
        Assert.Equal("dependency app.x was skipped", results["top.y"].Reason);
        Assert.Equal(BuildStatus.Built, results["other.z"].Status);
    }

    [Fact]
    public void Unknown_dependencies_and_cycles_are_refused_before_anything_runs()
    {
        var builder = new TestBuilder(_ => []);

        var unknown = Assert.Throws<KilnException>(() => new ImageBuildSession([SessionHarness.Image("a", ["s"], dependsOn: ["ghost"])], _harness.Options(builder)));
        var cycle = Assert.Throws<KilnException>(() => new ImageBuildSession(
            [SessionHarness.Image("a", ["s"], dependsOn: ["b"]), SessionHarness.Image("b", ["s"], dependsOn: ["c"]), SessionHarness.Image("c", ["s"], dependsOn: ["a"])],
            _harness.Options(builder)));

        Assert.Equal("image 'a' depends on 'ghost', which is not part of this build", unknown.Message);
        Assert.Equal("images depend on each other in a cycle: a -> b -> c -> a", cycle.Message);
    }

    [Fact]
    public async Task Stage_barriers_complete_when_every_build_passed_the_stage_without_holding_builds_back()
    {
        var provisioning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = new TestBuilder(source => source.Name == "slow"
            ? [new LambdaStep("boot", Stage.Boot, (_, _) => Task.CompletedTask), new LambdaStep("provision", Stage.Provision, async (_, ct) =>
            {
                provisioning.TrySetResult();
                await release.Task.WaitAsync(ct);
            })]
            : [new LambdaStep("all", Stage.Publish, (_, _) => Task.CompletedTask)]);
        var session = new ImageBuildSession([SessionHarness.Image("a", ["slow", "fast"])], _harness.Options(builder));

        var run = session.RunAsync(Token);
        await session.WaitForStageAsync(Stage.Boot, Token);
        await provisioning.Task.WaitAsync(Token);

        Assert.False(session.WaitForStageAsync(Stage.Provision, Token).IsCompleted);
        Assert.False(session.WaitForStageAsync(Stage.Publish, Token).IsCompleted);
        release.SetResult();
        await session.WaitForStageAsync(Stage.Provision, Token);
        await session.WaitForStageAsync(Stage.Publish, Token);
        Assert.All(await run, r => Assert.Equal(BuildStatus.Built, r.Status));
    }

    [Fact]
    public async Task Barriers_are_released_by_failed_and_skipped_builds()
    {
        var builder = new TestBuilder(_ => [new LambdaStep("boot", Stage.Boot, (_, _) => throw new InvalidOperationException("boom"))]);
        var session = new ImageBuildSession([SessionHarness.Image("a", ["s"]), SessionHarness.Image("b", ["s"], dependsOn: ["a"])], _harness.Options(builder));

        _ = session.RunAsync(Token);

        await session.WaitForStageAsync(Stage.Publish, Token);
        await session.WaitForStageAsync(Stage.Boot, Token);
    }

    [Fact]
    public async Task Skipped_stages_do_not_run_their_steps_and_later_stages_still_do()
    {
        var ran = new ConcurrentQueue<string>();
        var builder = new TestBuilder(_ => Enum.GetValues<Stage>().Select(s => new LambdaStep(s.ToString(), s, (_, _) =>
        {
            ran.Enqueue(s.ToString());
            return Task.CompletedTask;
        })));
        var options = _harness.Options(builder) with { SkippedStages = new HashSet<Stage> { Stage.Verify } };

        var result = Assert.Single(await new ImageBuildSession([SessionHarness.Image("a", ["s"])], options).RunAsync(Token));

        Assert.Equal(["Boot", "Provision", "Capture", "Publish"], ran);
        Assert.Equal(StepOutcome.Skipped, result.Timings.Single(t => t.Stage == Stage.Verify).Outcome);
        Assert.False(result.StageDurations.ContainsKey(Stage.Verify));
        Assert.True(result.StageDurations.ContainsKey(Stage.Publish));
    }

    [Fact]
    public async Task An_up_to_date_build_is_reported_without_running_and_its_artifacts_reach_dependents()
    {
        var ran = new ConcurrentQueue<string>();
        IReadOnlyDictionary<string, IReadOnlyList<BuildResult>>? seen = null;
        var builder = new TestBuilder(_ => [new LambdaStep("boot", Stage.Boot, (state, _) =>
        {
            ran.Enqueue(state.Context.BuildName);
            return Task.CompletedTask;
        })]);
        var previous = new Artifact { BuilderType = "test", Id = "old-image" };
        var baseImage = SessionHarness.Image("base", ["s"]) with { UpToDate = new Dictionary<string, IReadOnlyList<Artifact>> { ["s"] = [previous] } };

        var results = await new ImageBuildSession([baseImage, SessionHarness.Image("app", ["s"], dependsOn: ["base"], onResolve: d => seen = d)], _harness.Options(builder)).RunAsync(Token);

        Assert.Equal([BuildStatus.UpToDate, BuildStatus.Built], results.Select(r => r.Status));
        Assert.Equal(["app.s"], ran);
        Assert.Equal("old-image", seen!["base"].Single().Artifacts.Single().Id);
    }

    [Fact]
    public async Task Cancellation_cleans_up_started_steps_and_reports_cancelled_builds()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cleaned = new ConcurrentQueue<string>();
        var builder = new TestBuilder(_ =>
        [
            new LambdaStep("vm", Stage.Boot, (_, _) => Task.CompletedTask, (s, _) =>
            {
                cleaned.Enqueue(s.Context.BuildName);
                return Task.CompletedTask;
            }),
            new LambdaStep("wait", Stage.Provision, async (_, ct) =>
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }),
        ]);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var session = new ImageBuildSession([SessionHarness.Image("a", ["s"]), SessionHarness.Image("b", ["s"], dependsOn: ["a"])], _harness.Options(builder, parallelism: 1));

        var run = session.RunAsync(cts.Token);
        await started.Task.WaitAsync(Token);
        await cts.CancelAsync();
        var results = await run;

        Assert.Equal([BuildStatus.Cancelled, BuildStatus.Skipped], results.Select(r => r.Status));
        Assert.Equal(["a.s"], cleaned);
        Assert.Empty(_harness.Ledger.Open);
    }

    [Fact]
    public async Task Cleanup_time_is_bounded_and_the_session_reports_what_is_being_cleaned()
    {
        var cleaning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = new TestBuilder(_ =>
        [
            new LambdaStep("disk", Stage.Boot, (_, _) => Task.CompletedTask),
            new LambdaStep("vm", Stage.Boot, (_, _) => Task.CompletedTask, async (_, _) =>
            {
                cleaning.TrySetResult();
                await new TaskCompletionSource().Task; // ignores its token and never ends
            }),
        ]);
        var options = _harness.Options(builder) with { CleanupTimeout = TimeSpan.FromMilliseconds(300) };
        var session = new ImageBuildSession([SessionHarness.Image("a", ["s"])], options);

        var run = session.RunAsync(Token);
        await cleaning.Task.WaitAsync(Token);
        Assert.Equal(["a.s: vm, disk"], session.CleaningUp);
        var result = Assert.Single(await run.WaitAsync(TimeSpan.FromMinutes(2), Token));

        Assert.Equal(BuildStatus.Built, result.Status);
        Assert.Empty(session.CleaningUp);
        Assert.Contains("[a.s] error: cleanup of 'vm' did not finish in time", _harness.Text, StringComparison.Ordinal);
        Assert.Contains("[a.s] error: cleanup did not finish within 300ms; run ./build.sh SweepImages to remove what is left", _harness.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_error_abort_keeps_everything_and_prints_how_to_reach_the_machine_and_clean_up()
    {
        var cleaned = new ConcurrentQueue<string>();
        var builder = FailingAfterConnect(cleaned);

        var result = Assert.Single(await new ImageBuildSession([SessionHarness.Image("a", ["s"])], _harness.Options(builder, onError: OnErrorMode.Abort)).RunAsync(Token));

        Assert.Equal(BuildStatus.Failed, result.Status);
        Assert.Empty(cleaned);
        Assert.Contains("[a.s] warning: reach the machine with: ssh -i /keys/id -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null kiln@127.0.0.1", _harness.Text, StringComparison.Ordinal);
        Assert.Contains("[a.s] warning: clean up later with: ./build.sh SweepImages", _harness.Text, StringComparison.Ordinal);
        // The build's work folder, and the run folder that holds it.
        Assert.Equal(2, _harness.Ledger.Open.Count);
        Assert.All(_harness.Ledger.Open, kept =>
        {
            Assert.Equal("directory", kept.Kind);
            Assert.True(Directory.Exists(kept.Id));
        });
        Assert.Contains(Path.Combine(_harness.Root, "work", "run-1"), _harness.Ledger.Open.Select(kept => kept.Id));
    }

    [Fact]
    public async Task On_error_debug_keeps_the_machine_until_enter_then_cleans_up()
    {
        var cleaned = new ConcurrentQueue<string>();
        var interaction = new ScriptedInteraction();
        var session = new ImageBuildSession([SessionHarness.Image("a", ["s"])], _harness.Options(FailingAfterConnect(cleaned), onError: OnErrorMode.Debug, interaction: interaction));

        var run = session.RunAsync(Token);
        var prompt = await interaction.Prompted.Task.WaitAsync(Token);

        Assert.Equal("a.s failed; press Enter to clean up", prompt);
        Assert.Empty(cleaned);
        Assert.Contains("on-error=debug: the machine is kept running; reach it with: ssh -i /keys/id -p 2222", _harness.Text, StringComparison.Ordinal);
        Assert.False(run.IsCompleted);
        interaction.Enter.SetResult();
        var result = Assert.Single(await run);
        Assert.Equal(BuildStatus.Failed, result.Status);
        Assert.Equal(["connect"], cleaned);
        Assert.Empty(_harness.Ledger.Open);
    }

    [Fact]
    public async Task On_error_debug_without_a_terminal_falls_back_to_cleanup_with_a_warning()
    {
        var cleaned = new ConcurrentQueue<string>();

        var result = Assert.Single(await new ImageBuildSession([SessionHarness.Image("a", ["s"])], _harness.Options(FailingAfterConnect(cleaned), onError: OnErrorMode.Debug)).RunAsync(Token));

        Assert.Equal(BuildStatus.Failed, result.Status);
        Assert.Equal(["connect"], cleaned);
        Assert.Contains("[a.s] warning: on-error=debug needs an interactive terminal; cleaning up instead", _harness.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_lines_and_failure_reasons_are_redacted()
    {
        _harness.Redactor.Add("hunter2");
        var builder = new TestBuilder(_ => [new LambdaStep("login", Stage.Boot, (state, _) =>
        {
            state.Context.Log.Info("logging in with hunter2");
            state.Context.Log.Output("password=hunter2", isError: true);
            throw new KilnException("login with hunter2 refused", "check password hunter2");
        })]);

        var result = Assert.Single(await new ImageBuildSession([SessionHarness.Image("a", ["s"])], _harness.Options(builder)).RunAsync(Token));

        Assert.DoesNotContain("hunter2", _harness.Text, StringComparison.Ordinal);
        Assert.Contains("[a.s] logging in with <sensitive>", _harness.Text, StringComparison.Ordinal);
        Assert.Contains("[a.s] ! password=<sensitive>", _harness.Text, StringComparison.Ordinal);
        Assert.Equal("step 'login' (boot) failed: login with <sensitive> refused", result.Reason);
        Assert.Equal("check password <sensitive>", result.Hint);
    }

    [Fact]
    public async Task An_unknown_builder_type_fails_the_build_with_the_known_types()
    {
        var builder = new TestBuilder(_ => [], type: "other");

        var result = Assert.Single(await new ImageBuildSession([SessionHarness.Image("a", ["s"])], _harness.Options(builder)).RunAsync(Token));

        Assert.Equal(BuildStatus.Failed, result.Status);
        Assert.Equal("source 's' has type 'test', which no builder provides", result.Reason);
        Assert.Contains("other", result.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_work_directory_is_ledgered_and_removed_when_the_build_ends()
    {
        string? work = null;
        var builder = new TestBuilder(_ => [new LambdaStep("look", Stage.Boot, (state, _) =>
        {
            work = state.Context.WorkDirectory;
            Assert.True(Directory.Exists(work));
            Assert.Contains(_harness.Ledger.Open, r => r.Kind == "directory" && r.Id == work);
            return Task.CompletedTask;
        })]);

        await new ImageBuildSession([SessionHarness.Image("a", ["s"])], _harness.Options(builder)).RunAsync(Token);

        Assert.NotNull(work);
        Assert.False(Directory.Exists(work));
        Assert.Empty(_harness.Ledger.Open);
    }

    [Fact]
    public async Task The_callers_fingerprint_reaches_the_build_state()
    {
        string? seen = null;
        var builder = new TestBuilder(_ => [new LambdaStep("look", Stage.Boot, (state, _) =>
        {
            seen = state.Fingerprint;
            return Task.CompletedTask;
        })]);
        var image = SessionHarness.Image("a", ["s"]) with { Fingerprint = (i, s) => $"sha256:{i.Name}.{s.Name}" };

        await new ImageBuildSession([image], _harness.Options(builder)).RunAsync(Token);

        Assert.Equal("sha256:a.s", seen);
    }

    [Fact]
    public async Task Resources_a_build_left_in_the_disk_ledger_are_reported_at_the_end()
    {
        var builder = new TestBuilder(_ => [new LambdaStep("leaky", Stage.Boot, async (state, ct) =>
            await state.Context.Ledger.RecordAsync(new LedgerResource("file", "/tmp/forgotten"), ct))]);
        var ledger = new DiskLedger(Path.Combine(_harness.Root, "ledger"), "run-1");

        await new ImageBuildSession([SessionHarness.Image("a", ["s"])], _harness.Options(builder) with { Ledger = ledger }).RunAsync(Token);

        Assert.Contains(
            "warning: 1 temporary resource(s) are still recorded (file '/tmp/forgotten'); run ./build.sh SweepImages after this run ends",
            _harness.Text, StringComparison.Ordinal);
        Assert.True(File.Exists(ledger.FilePath));
    }

    [Theory]
    [InlineData("succeeds")]
    [InlineData("fails")]
    [InlineData("is cancelled")]
    public async Task Every_run_removes_its_run_folder_and_empties_its_ledger_when_it(string ending)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var builder = new TestBuilder(_ =>
        [
            new LambdaStep("scratch", Stage.Boot, async (state, _) =>
                await File.WriteAllTextAsync(Path.Combine(state.Context.WorkDirectory, "disk.img"), "disk", Token)),
            new LambdaStep("end", Stage.Provision, async (_, token) =>
            {
                if (ending == "fails") { throw new KilnException("broken on purpose"); } if (ending == "is cancelled")
                {
                    await cancel.CancelAsync();
                    token.ThrowIfCancellationRequested();
                }
            }),
        ]);

        var result = Assert.Single(await new ImageBuildSession([SessionHarness.Image("a", ["s"])], _harness.Options(builder)).RunAsync(cancel.Token));

        Assert.Equal(ending switch { "succeeds" => BuildStatus.Built, "fails" => BuildStatus.Failed, _ => BuildStatus.Cancelled }, result.Status);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_harness.Root, "work")));
        Assert.Empty(_harness.Ledger.Open);
    }

    private static TestBuilder FailingAfterConnect(ConcurrentQueue<string> cleaned) => new(_ =>
    [
        new LambdaStep("connect", Stage.Boot, (state, _) =>
        {
            state.Communicator = new UnreachableCommunicator(new ConnectionInfo("127.0.0.1", 2222, "kiln", "/keys/id"));
            return Task.CompletedTask;
        }, (_, _) =>
        {
            cleaned.Enqueue("connect");
            return Task.CompletedTask;
        }),
        new LambdaStep("provision", Stage.Provision, (_, _) => throw new KilnException("apt-get failed")),
    ]);

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
