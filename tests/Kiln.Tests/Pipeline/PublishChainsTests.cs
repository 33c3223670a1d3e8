using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Publishers;
using Kiln.Sessions;
using Kiln.Steps;
using Kiln.Testing;

namespace Kiln.Tests.Pipeline;

internal sealed class TagConfig : PublisherConfig
{
    public string Tag { get; init; } = "";

    public bool Fail { get; init; }
}

/// <summary>Turns each input artifact into one named "<c>input-id+tag</c>", and remembers what it was given.</summary>
internal sealed class TagPublisher : Publisher<TagConfig>
{
    public override string Type => "tag";

    public List<(string Tag, string[] Inputs)> Calls { get; } = [];

    protected override Task<IReadOnlyList<Artifact>> PublishAsync(TagConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        Calls.Add((config.Tag, [.. inputs.Select(i => i.Id)]));
        if (config.Fail)
        {
            throw new InvalidOperationException("registry said 401");
        }

        return Task.FromResult<IReadOnlyList<Artifact>>([.. inputs.Select(i => i with { Id = $"{i.Id}+{config.Tag}", Files = [] })]);
    }
}

public sealed class PublishChainsTests
{
    private readonly TagPublisher _publisher = new();

    private PluginCatalog Catalog => PluginCatalog.Default.With(publishers: [_publisher]);

    private static ResolvedPlugin<PublisherConfig> Tag(string tag, bool keep = true, bool fail = false) =>
        new("tag", new TagConfig { Tag = tag, KeepInputArtifact = keep, Fail = fail }, new SourceLocation("/defs/a.kiln.yaml", 30, 7));

    private TestState State(IReadOnlyList<IReadOnlyList<ResolvedPlugin<PublisherConfig>>> chains, params Artifact[] artifacts)
    {
        var context = TestBuild.Context(new TestSourceConfig(), plugins: Catalog);
        var state = new TestState(context with { Source = context.Source with { Publish = chains } });
        state.Artifacts.AddRange(artifacts);
        return state;
    }

    [Fact]
    public async Task Each_publisher_receives_the_previous_ones_outputs_and_each_chain_starts_from_the_build()
    {
        var state = State([[Tag("a"), Tag("b")], [Tag("c")]], new Artifact { BuilderType = "test", Id = "img" });

        await new PublishChains().RunAsync(state, TestContext.Current.CancellationToken);

        Assert.Equal([("a", ["img"]), ("b", ["img+a"]), ("c", ["img"])], _publisher.Calls.Select(c => (c.Tag, c.Inputs)));
        Assert.Equal(["img", "img+a", "img+a+b", "img+c"], state.Artifacts.Select(a => a.Id).Order());
        Assert.Equal(["publish: tag", "publish: tag", "publish: tag"], state.Timings.Select(t => t.Step));
    }

    [Fact]
    public async Task Inputs_are_dropped_when_their_publisher_does_not_keep_them_and_their_files_removed()
    {
        var state = State([[Tag("box", keep: false), Tag("upload", keep: false)]]);
        Directory.CreateDirectory(state.Context.OutputDirectory);
        var disk = Path.Combine(state.Context.OutputDirectory, "disk.qcow2");
        await File.WriteAllTextAsync(disk, "disk", TestContext.Current.CancellationToken);
        var userFolder = Directory.CreateTempSubdirectory("kiln-not-mine-").FullName;
        var elsewhere = Path.Combine(userFolder, "user.img");
        await File.WriteAllTextAsync(elsewhere, "user", TestContext.Current.CancellationToken);
        state.Artifacts.Add(new Artifact { BuilderType = "test", Id = "img", Files = [new ArtifactFile(disk, 4), new ArtifactFile(elsewhere, 4)] });

        await new PublishChains().RunAsync(state, TestContext.Current.CancellationToken);

        Assert.Equal(["img+box+upload"], state.Artifacts.Select(a => a.Id));
        Assert.False(File.Exists(disk));
        Assert.True(File.Exists(elsewhere), "files outside the build's own directories are never deleted");
        Directory.Delete(userFolder, recursive: true);
    }

    [Fact]
    public async Task The_build_artifact_stays_when_any_chain_keeps_it()
    {
        var state = State([[Tag("box", keep: false)], [Tag("sum")]], new Artifact { BuilderType = "test", Id = "img" });

        await new PublishChains().RunAsync(state, TestContext.Current.CancellationToken);

        Assert.Equal(["img", "img+box", "img+sum"], state.Artifacts.Select(a => a.Id).Order());
    }

    [Fact]
    public async Task A_failing_publisher_is_named_with_its_location()
    {
        var state = State([[Tag("a"), Tag("b", fail: true)]], new Artifact { BuilderType = "test", Id = "img" });

        var error = await Assert.ThrowsAsync<KilnException>(() => new PublishChains().RunAsync(state, TestContext.Current.CancellationToken));

        Assert.Equal("publisher 'tag' (/defs/a.kiln.yaml:30:7) failed: registry said 401", error.Message);
        Assert.Equal(StepOutcome.Failed, state.Timings[^1].Outcome);
    }

    [Fact]
    public async Task Publish_chains_run_in_the_session_after_the_builders_cleanup()
    {
        using var harness = new SessionHarness();
        var events = new List<string>();
        var builder = new TestBuilder(_ => [new LambdaStep("capture", Stage.Capture, (state, _) =>
        {
            state.Artifacts.Add(new Artifact { BuilderType = "test", Id = "img" });
            return Task.CompletedTask;
        }, (_, _) =>
        {
            events.Add("cleanup");
            return Task.CompletedTask;
        })]);
        var image = SessionHarness.Image("a", ["s"], publish: [[Tag("x")]]);

        var result = Assert.Single(await new ImageBuildSession([image], harness.Options(builder, publishers: [new RecordingPublisher(events)])).RunAsync(TestContext.Current.CancellationToken));

        Assert.Equal(BuildStatus.Built, result.Status);
        Assert.Equal(["cleanup", "publish"], events);
        Assert.Equal(["img", "img!"], result.Artifacts.Select(a => a.Id));
    }

    [Fact]
    public async Task A_publish_failure_fails_the_build_after_cleanup_and_names_the_publisher()
    {
        using var harness = new SessionHarness();
        string? work = null;
        var builder = new TestBuilder(_ => [new LambdaStep("capture", Stage.Capture, (state, _) =>
        {
            work = state.Context.WorkDirectory;
            state.Artifacts.Add(new Artifact { BuilderType = "test", Id = "img" });
            return Task.CompletedTask;
        })]);
        var image = SessionHarness.Image("a", ["s"], publish: [[Tag("x", fail: true)]]);

        var result = Assert.Single(await new ImageBuildSession([image], harness.Options(builder, publishers: [_publisher])).RunAsync(TestContext.Current.CancellationToken));

        Assert.Equal(BuildStatus.Failed, result.Status);
        Assert.Equal("publisher 'tag' (/defs/a.kiln.yaml:30:7) failed: registry said 401", result.Reason);
        Assert.False(Directory.Exists(work));
        Assert.Empty(harness.Ledger.Open);
    }

    private sealed class RecordingPublisher(List<string> events) : Publisher<TagConfig>
    {
        public override string Type => "tag";

        protected override Task<IReadOnlyList<Artifact>> PublishAsync(TagConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
        {
            events.Add("publish");
            return Task.FromResult<IReadOnlyList<Artifact>>([.. inputs.Select(i => i with { Id = i.Id + "!" })]);
        }
    }
}

public sealed class TimingReportTests
{
    [Fact]
    public void Lists_every_step_with_its_stage_outcome_and_the_total()
    {
        var lines = TimingReport.Format(
        [
            new StepTiming("start-vm", Stage.Boot, TimeSpan.FromSeconds(29.4), StepOutcome.Succeeded),
            new StepTiming("provision", Stage.Provision, TimeSpan.FromSeconds(95), StepOutcome.Failed),
            new StepTiming("verify", Stage.Verify, TimeSpan.Zero, StepOutcome.Skipped),
        ]);

        Assert.Equal(
        [
            "  boot       start-vm      29.4s",
            "  provision  provision     1m35s  (failed)",
            "  verify     verify          0ms  (skipped)",
            "             total         2m04s",
        ], lines);
    }
}
