using Docker.DotNet.Models;
using Kiln.Builders.Docker;
using Kiln.Builders.Docker.Steps;
using Kiln.Communicators.Docker;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Docker;

[Collection(DockerEngineCollection.Name)]
public sealed class DockerBuilderTests(DockerEngineFixture engine)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_provisioned_container_is_committed_into_a_tagged_image_that_runs_with_the_committed_config()
    {
        var ledger = new MemoryLedger();
        var log = new TestLog();
        var config = DockerTestBuild.Config(
            engine,
            env: new Dictionary<string, string> { ["BUILD_ONLY"] = "not-in-image" },
            changes:
            [
                "CMD [\"/bin/sh\", \"-c\", \"cat /etc/motd && /usr/local/bin/hello && pwd && echo mode=$APP_MODE\"]",
                "ENV APP_MODE=production",
                "WORKDIR /srv/app",
                "LABEL org.example.team=\"images\"",
                "EXPOSE 8080/tcp",
            ],
            tags: ["kiln-test/web:1.0", "kiln-test/web:latest"]);
        var context = DockerTestBuild.Context(config, ledger, log);
        string imageId;
        await using (var pipeline = new DockerBuilder().CreatePipeline(context))
        {
            await pipeline.RunAsync(Stage.Boot, Token);
            await ProvisionLikeTheQemuExampleAsync(pipeline.State.Communicator!);
            await pipeline.RunAsync(Stage.Capture, Token);

            var artifact = Assert.Single(pipeline.State.Artifacts);
            imageId = artifact.Id;
            Assert.Equal("docker", artifact.BuilderType);
            Assert.StartsWith("sha256:", imageId, StringComparison.Ordinal);
            Assert.Equal(imageId, artifact.Outputs["image_id"]);
            Assert.Equal("kiln-test/web:1.0", artifact.Outputs["image"]);
            Assert.Equal("kiln-test/web:1.0,kiln-test/web:latest", artifact.CustomData["tags"]);
        }

        try
        {
            Assert.Empty(await DockerTestBuild.LeftoversAsync(engine, context.RunId, Token));
            Assert.Empty(ledger.Open);

            var run = await engine.DockerAsync("run --rm --network none kiln-test/web:1.0", Token);
            Assert.True(run.ExitCode == 0, run.All);
            Assert.Equal(["Built by Kiln for web", "hello from the provisioned script", "/srv/app", "mode=production"], Lines(run.Output));

            using var client = engine.CreateClient();
            var image = await client.Images.InspectImageAsync("kiln-test/web:latest", Token);
            Assert.Equal(imageId, image.ID);
            Assert.Equal("images", image.Config!.Labels!["org.example.team"]);
            Assert.DoesNotContain(DockerResources.RunLabel, image.Config.Labels.Keys);
            Assert.DoesNotContain(image.Config.Env ?? [], e => e.StartsWith("BUILD_ONLY", StringComparison.Ordinal));
            Assert.True(image.Config.Entrypoint is null or { Count: 0 }, $"entrypoint {string.Join(" ", image.Config.Entrypoint ?? [])} leaked from the build container");
            Assert.Contains("8080/tcp", image.Config.ExposedPorts!.Keys);
            Assert.Equal(2, image.RootFS.Layers!.Count);
        }
        finally
        {
            await RemoveImageAsync(imageId);
        }
    }

    [Fact]
    public async Task Squash_gives_one_layer_and_keeps_the_config()
    {
        var config = DockerTestBuild.Config(engine, changes: ["ENV GREETING=squashed", "CMD [\"/bin/sh\", \"-c\", \"echo $GREETING; cat /root/marker\"]"], tags: ["kiln-test/squashed:1"], squash: true);
        var context = DockerTestBuild.Context(config);
        string imageId;
        await using (var pipeline = new DockerBuilder().CreatePipeline(context))
        {
            await pipeline.RunAsync(Stage.Boot, Token);
            await DockerTestBuild.RunAsync(pipeline.State.Communicator!, "echo marker > /root/marker && rm -rf /usr/share/doc", Token);
            await pipeline.RunAsync(Stage.Capture, Token);
            imageId = pipeline.State.Artifacts[0].Id;
        }

        try
        {
            using var client = engine.CreateClient();
            var image = await client.Images.InspectImageAsync("kiln-test/squashed:1", Token);
            Assert.Single(image.RootFS.Layers!);
            var run = await engine.DockerAsync("run --rm --network none kiln-test/squashed:1", Token);
            Assert.Equal(["squashed", "marker"], Lines(run.Output));
            Assert.Empty(await DockerTestBuild.LeftoversAsync(engine, context.RunId, Token));
        }
        finally
        {
            await RemoveImageAsync(imageId);
        }
    }

    [Fact]
    public async Task Checks_run_in_a_fresh_container_from_the_committed_image()
    {
        var ledger = new MemoryLedger();
        var config = DockerTestBuild.Config(engine, tags: ["kiln-test/verified:1"]);
        var context = DockerTestBuild.Context(
            config,
            ledger,
            verify:
            [
                Shell("grep -qx kept /etc/provisioned"),
                // The provisioning container's background process is not in the verify container.
                Shell("! grep -qx sleep /proc/[0-9]*/comm"),
                Shell("test \"$(cat /proc/1/comm)\" = sh"),
            ]);
        string imageId;
        await using (var pipeline = new DockerBuilder().CreatePipeline(context))
        {
            await pipeline.RunAsync(Stage.Boot, Token);
            var buildContainer = ((DockerBuildState)pipeline.State).BuildContainer!.Id;
            await DockerTestBuild.RunAsync(pipeline.State.Communicator!, "echo kept > /etc/provisioned && (sleep 1000 > /dev/null 2>&1 &) && for i in $(seq 100); do grep -qx sleep /proc/[0-9]*/comm && exit 0; sleep 0.1; done; exit 1", Token);
            await pipeline.RunAsync(Stage.Verify, Token);

            Assert.Equal(3, pipeline.State.Checks.Count(c => c.Passed));
            var verify = Assert.IsType<DockerCommunicator>(pipeline.State.Communicator);
            Assert.NotEqual(buildContainer, verify.ContainerId);
            using var client = engine.CreateClient();
            var containers = await client.Containers.ListContainersAsync(new ContainersListParameters { All = true }, Token);
            Assert.DoesNotContain(containers, c => c.ID == buildContainer);
            Assert.Contains(containers, c => c.ID == verify.ContainerId && c.Labels[DockerResources.RunLabel] == context.RunId);
            imageId = pipeline.State.Artifacts[0].Id;
        }

        try
        {
            Assert.Empty(await DockerTestBuild.LeftoversAsync(engine, context.RunId, Token));
            Assert.Empty(ledger.Open);
        }
        finally
        {
            await RemoveImageAsync(imageId);
        }
    }

    [Fact]
    public async Task A_failing_check_fails_the_build_and_removes_the_image_it_tagged()
    {
        var ledger = new MemoryLedger();
        var context = DockerTestBuild.Context(
            DockerTestBuild.Config(engine, tags: ["kiln-test/unverified:1"], tiny: true),
            ledger,
            verify: [Shell("test -e /etc/never-provisioned")]);
        await using var pipeline = new DockerBuilder().CreatePipeline(context);

        var error = await Assert.ThrowsAsync<KilnException>(() => pipeline.RunAsync(Stage.Publish, Token));
        await pipeline.CleanupAsync(Token);

        Assert.Contains("1 of 1 verify checks failed", error.Message, StringComparison.Ordinal);
        Assert.Contains(pipeline.State.Checks, c => !c.Passed);
        Assert.Empty(await DockerTestBuild.LeftoversAsync(engine, context.RunId, Token));
        Assert.Empty(ledger.Open);
        using var client = engine.CreateClient();
        var images = await client.Images.ListImagesAsync(new ImagesListParameters { All = true }, Token);
        Assert.DoesNotContain(images, i => i.RepoTags?.Contains("kiln-test/unverified:1") == true);
    }

    public static TheoryData<int, bool> EveryStep()
    {
        var data = new TheoryData<int, bool>();
        for (var after = 0; after <= 5; after++)
        {
            data.Add(after, false);
            data.Add(after, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryStep))]
    public async Task Failure_or_cancellation_after_any_step_leaves_no_container_image_or_ledger_entry(int after, bool cancel)
    {
        var ledger = new MemoryLedger();
        var tag = $"kiln-test/tripped:{after}-{cancel}".ToLowerInvariant();
        var config = DockerTestBuild.Config(engine, tags: [tag], tiny: true);
        var context = DockerTestBuild.Context(config, ledger, verify: [new ResolvedPlugin<ProvisionerConfig>("shell", new CheckConfig(), null)]);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
        List<IStep<DockerBuildState>> steps = [new ConnectEngineStep(), new PrepareBaseImageStep(), new StartBuildContainerStep(), new CommitImageStep(), new StartVerifyContainerStep()];
        steps.Insert(after, new Tripwire(cancel ? cancellation : null, after == 0 ? Stage.Boot : steps[after - 1].Stage));
        var pipeline = new BuildPipeline<DockerBuildState>(new DockerBuildState(config, context), steps);

        if (cancel)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.RunAsync(Stage.Publish, cancellation.Token));
        }
        else
        {
            await Assert.ThrowsAsync<KilnException>(() => pipeline.RunAsync(Stage.Publish, cancellation.Token));
        }

        await pipeline.CleanupAsync(CancellationToken.None);

        Assert.Empty(await DockerTestBuild.LeftoversAsync(engine, context.RunId, Token));
        Assert.Empty(ledger.Open);
        using var client = engine.CreateClient();
        var images = await client.Images.ListImagesAsync(new ImagesListParameters { All = true }, Token);
        Assert.DoesNotContain(images, i => i.RepoTags?.Contains(tag) == true);
    }

    [Fact]
    public async Task A_change_the_engine_rejects_fails_the_commit_and_leaves_nothing()
    {
        var ledger = new MemoryLedger();
        var context = DockerTestBuild.Context(DockerTestBuild.Config(engine, changes: ["EXPOSE not-a-port"], tags: ["kiln-test/rejected:1"], tiny: true), ledger);
        await using var pipeline = new DockerBuilder().CreatePipeline(context);

        var error = await Assert.ThrowsAsync<KilnException>(() => pipeline.RunAsync(Stage.Capture, Token));
        await pipeline.CleanupAsync(Token);

        Assert.Contains("commit", error.Message, StringComparison.Ordinal);
        Assert.Contains("not-a-port", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);
        Assert.Empty(await DockerTestBuild.LeftoversAsync(engine, context.RunId, Token));
        Assert.Empty(ledger.Open);
    }

    [Fact]
    public async Task A_run_command_missing_from_the_image_fails_the_boot_and_leaves_nothing()
    {
        var ledger = new MemoryLedger();
        var context = DockerTestBuild.Context(DockerTestBuild.Config(engine, runCommand: ["/no/such/shell"], tiny: true), ledger);
        await using var pipeline = new DockerBuilder().CreatePipeline(context);

        var error = await Assert.ThrowsAsync<KilnException>(() => pipeline.RunAsync(Stage.Boot, Token));
        await pipeline.CleanupAsync(Token);

        Assert.Contains("/no/such/shell", error.Message, StringComparison.Ordinal);
        Assert.Empty(await DockerTestBuild.LeftoversAsync(engine, context.RunId, Token));
        Assert.Empty(ledger.Open);
    }

    [Fact]
    public async Task Cancelling_while_the_base_is_imported_leaves_nothing()
    {
        var ledger = new MemoryLedger();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var template = DockerTestBuild.Context(DockerTestBuild.Config(engine), ledger);
        var context = new BuildContext
        {
            RunId = template.RunId,
            Image = template.Image,
            Source = template.Source,
            OutputDirectory = template.OutputDirectory,
            WorkDirectory = template.WorkDirectory,
            Plugins = template.Plugins,
            Log = template.Log,
            Ledger = ledger,
            Progress = new CancelOnProgress(cancellation, after: 8 << 20),
            Interaction = template.Interaction,
            Redactor = template.Redactor,
        };
        await using var pipeline = new DockerBuilder().CreatePipeline(context);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.RunAsync(Stage.Publish, cancellation.Token));
        await pipeline.CleanupAsync(CancellationToken.None);

        Assert.Contains(pipeline.Timings, t => t is { Step: "docker-base-image", Outcome: StepOutcome.Cancelled });
        Assert.Empty(await DockerTestBuild.LeftoversAsync(engine, context.RunId, Token));
        Assert.Empty(ledger.Open);
    }

    private static async Task ProvisionLikeTheQemuExampleAsync(ICommunicator communicator)
    {
        // What the QEMU example's file and shell provisioners do, minus the package installs that need a network.
        using var script = new MemoryStream("#!/bin/sh\necho hello from the provisioned script\n"u8.ToArray());
        await communicator.UploadAsync(script, "/usr/local/bin/hello", Token, mode: 0b111_101_101);
        await DockerTestBuild.RunAsync(communicator, "set -eu; echo \"Built by Kiln for web\" > /etc/motd; useradd --system --home-dir /srv/app --create-home app; test \"$BUILD_ONLY\" = not-in-image", Token);
    }

    private async Task RemoveImageAsync(string imageId)
    {
        using var client = engine.CreateClient();
        await client.Images.DeleteImageAsync(imageId, new ImageDeleteParameters { Force = true }, CancellationToken.None);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private sealed class CheckConfig : ProvisionerConfig;

    private static ResolvedPlugin<ProvisionerConfig> Shell(string command) =>
        new("shell", new global::Kiln.Provisioners.ShellConfig { Inline = [command] }, null);

    private sealed class Tripwire(CancellationTokenSource? cancel, Stage stage) : IStep<DockerBuildState>
    {
        public string Name => "tripwire";

        public Stage Stage => stage;

        public async Task RunAsync(DockerBuildState state, CancellationToken cancellationToken)
        {
            if (cancel is null)
            {
                throw new KilnException("tripwire");
            }

            await cancel.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }

        public Task CleanupAsync(DockerBuildState state, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class CancelOnProgress(CancellationTokenSource cancel, long after) : IProgressSink
    {
        public IProgressTask Start(string description, long? total = null) => new Task(cancel, after);

        private sealed class Task(CancellationTokenSource cancel, long after) : IProgressTask
        {
            private long _done;

            public void Advance(long amount)
            {
                _done += amount;
                if (_done >= after)
                {
                    cancel.Cancel();
                }
            }

            public void SetTotal(long total)
            {
            }

            public void Dispose()
            {
            }
        }
    }
}
