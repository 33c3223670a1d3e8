using Kiln.Targets.Tests.Execution;
using Kiln.Targets.Tests.Support;

namespace Kiln.Targets.Tests.Output;

public sealed class OutputSnapshotTests
{
    private sealed class Sample : KilnBuild
    {
        [Parameter("Configuration to build.")]
        public string Configuration { get; set; } = "Debug";

        [Parameter("Feed API key."), Secret]
        public string? ApiKey { get; set; }

        public bool IsServerBuild { get; set; }

        private Target Restore => _ => _
            .Description("Restores packages.")
            .Executes(() => Session.Info($"restoring with key {ApiKey}"));

        public Target Compile => _ => _
            .Description("Compiles everything.")
            .DependsOn(Restore)
            .Executes(() => Session.Info("compiling"));

        private Target Lint => _ => _
            .DependsOn(Restore)
            .OnlyWhenStatic(() => IsServerBuild)
            .Executes(() => Session.Info("linting"));

        private Target Test => _ => _
            .Description("Runs the tests.")
            .DependsOn(Compile, Lint)
            .Executes(() => throw new ActionableException($"2 tests failed (key {ApiKey})", "see output/test-results"));

        private Target Pack => _ => _.DependsOn(Test).Executes(() => { });

        private Target Cleanup => _ => _.After(Pack).AssuredAfterFailure().Executes(() => Session.Info("cleaning up"));

        private Target All => _ => _.Description("Everything.").DependsOn(Compile, Lint);

        private Target Secretive => _ => _.Unlisted().Executes(() => { });
    }

    private static readonly Dictionary<string, string> Secret = new() { ["KILN_API_KEY"] = "s3cr3t-value" };

    [Theory]
    [InlineData(HostKind.Terminal)]
    [InlineData(HostKind.Plain)]
    [InlineData(HostKind.GitHubActions)]
    [InlineData(HostKind.AzurePipelines)]
    public async Task A_failing_build_reads_right_on_each_host(HostKind kind)
    {
        var run = await HostRun.RunAsync(new Sample(), ["Pack", "Cleanup"], kind, Secret);
        Assert.Equal(1, run.ExitCode);
        Assert.DoesNotContain("s3cr3t-value", run.Output, StringComparison.Ordinal);
        Snapshot.Match(run.Normalized, $"failing-build.{kind}");
    }

    [Theory]
    [InlineData(HostKind.Terminal)]
    [InlineData(HostKind.GitHubActions)]
    public async Task A_succeeding_build_reads_right(HostKind kind)
    {
        var run = await HostRun.RunAsync(new Sample(), ["All", "--no-logo"], kind);
        Assert.Equal(0, run.ExitCode);
        Snapshot.Match(run.Normalized, $"succeeding-build.{kind}");
    }

    [Fact]
    public async Task Help_lists_targets_with_the_default_dependencies_descriptions_and_parameters()
    {
        var run = await HostRun.RunAsync(new Sample(), ["--help"], HostKind.Plain, Secret, defaultTarget: b => b.Compile);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Compile (default)", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Secretive", run.Output, StringComparison.Ordinal);
        Snapshot.Match(run.Normalized, "help");
    }

    [Fact]
    public async Task Plan_prints_the_order_and_writes_a_mermaid_graph_without_running_anything()
    {
        var root = Directory.CreateTempSubdirectory("kiln-plan-");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, ".git"));
            var run = await HostRun.RunAsync(new Sample(), ["Pack", "--plan", "--skip", "Compile"], HostKind.Plain, workingDirectory: root.FullName);
            Assert.Equal(0, run.ExitCode);
            Assert.Null(run.Host.LastResult);
            Assert.DoesNotContain("restoring", run.Output, StringComparison.Ordinal);
            Snapshot.Match(run.Normalized, "plan");
            var mermaid = await File.ReadAllTextAsync(Path.Combine(root.FullName, "output", "build-plan.mmd"), TestContext.Current.CancellationToken);
            Snapshot.Match(mermaid, "plan.mermaid");
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task On_GitHub_Actions_the_summary_is_appended_to_the_step_summary_as_markdown()
    {
        var summary = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(summary, "earlier step\n", TestContext.Current.CancellationToken);
            var variables = new Dictionary<string, string>(Secret) { ["GITHUB_STEP_SUMMARY"] = summary };
            await HostRun.RunAsync(new Sample(), ["Pack"], HostKind.GitHubActions, variables);
            var text = await File.ReadAllTextAsync(summary, TestContext.Current.CancellationToken);
            Assert.StartsWith("earlier step\n", text, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cr3t-value", text, StringComparison.Ordinal);
            Snapshot.Match(text, "step-summary");
        }
        finally
        {
            File.Delete(summary);
        }
    }

    [Fact]
    public async Task Quiet_verbosity_prints_errors_and_the_final_line_only()
    {
        var run = await HostRun.RunAsync(new Sample(), ["Pack", "--verbosity", "quiet"], HostKind.Plain, Secret);
        Assert.DoesNotContain("compiling", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("| Target", run.Output, StringComparison.Ordinal);
        Assert.Contains("error: Test failed", run.Output, StringComparison.Ordinal);
        Assert.Contains("Build failed", run.Output, StringComparison.Ordinal);
    }
}
