using Kiln.Targets.Tests.Support;

namespace Kiln.Targets.Tests.Execution;

public sealed class SkipTests
{
    private sealed class Conditional : KilnBuild
    {
        public List<string> Ran { get; } = [];

        public bool IsServerBuild { get; set; }

        public bool Ready { get; set; }

        private Target Restore => _ => _.Executes(() => Ran.Add(nameof(Restore)));

        private Target Compile => _ => _.DependsOn(Restore).Executes(() => Ran.Add(nameof(Compile)));

        private Target Shared => _ => _.Executes(() => Ran.Add(nameof(Shared)));

        private Target Generate => _ => _.DependsOn(Shared).Executes(() => Ran.Add(nameof(Generate)));

        private Target Upload => _ => _
            .DependsOn(Generate, Compile)
            .OnlyWhenStatic(() => IsServerBuild)
            .WhenSkipped(DependencyBehavior.Skip)
            .Executes(() => Ran.Add(nameof(Upload)));

        private Target Report => _ => _.DependsOn(Shared).Executes(() => Ran.Add(nameof(Report)));

        private Target Lint => _ => _.OnlyWhenStatic(() => IsServerBuild).Executes(() => Ran.Add(nameof(Lint)));

        private Target Check => _ => _.DependsOn(Lint).Executes(() => Ran.Add(nameof(Check)));

        private Target Prepare => _ => _.Executes(() =>
        {
            Ran.Add(nameof(Prepare));
            Ready = true;
        });

        private Target Deploy => _ => _.DependsOn(Prepare).OnlyWhenDynamic(() => Ready).Executes(() => Ran.Add(nameof(Deploy)));

        private Target NeverReady => _ => _.OnlyWhenDynamic(() => !Ready).DependsOn(Prepare).Executes(() => Ran.Add(nameof(NeverReady)));
    }

    [Fact]
    public async Task Skip_with_names_skips_those_and_still_runs_the_rest()
    {
        var build = new Conditional();
        var run = await HostRun.RunAsync(build, "Compile", "--skip", "Restore");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Compile"], build.Ran);
        Assert.Equal(TargetStatus.Skipped, run.Status("Restore"));
        Assert.Equal("--skip", run.Result["Restore"].Note);
    }

    [Fact]
    public async Task Bare_skip_skips_every_target_that_was_not_invoked()
    {
        var build = new Conditional();
        var run = await HostRun.RunAsync(build, "Generate", "Compile", "--skip");
        Assert.Equal(["Generate", "Compile"], build.Ran);
        Assert.Equal(TargetStatus.Skipped, run.Status("Shared"));
        Assert.Equal(TargetStatus.Skipped, run.Status("Restore"));
    }

    [Fact]
    public async Task Skip_never_skips_an_invoked_target()
    {
        var build = new Conditional();
        await HostRun.RunAsync(build, "Compile", "--skip", "Compile", "Restore");
        Assert.Equal(["Compile"], build.Ran);
    }

    [Fact]
    public async Task Skipping_an_unknown_target_is_a_usage_error()
    {
        var run = await HostRun.RunAsync(new Conditional(), "Compile", "--skip", "Restor");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Did you mean 'Restore'?", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_false_static_condition_skips_the_target_and_shows_the_condition_text()
    {
        var build = new Conditional();
        var run = await HostRun.RunAsync(build, "Check");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Check"], build.Ran);
        Assert.Equal(TargetStatus.Skipped, run.Status("Lint"));
        Assert.Equal("condition false: IsServerBuild", run.Result["Lint"].Note);
        Assert.Contains("condition false: IsServerBuild", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenSkipped_Skip_skips_dependencies_that_only_the_skipped_target_needs()
    {
        var build = new Conditional();
        var run = await HostRun.RunAsync(build, "Upload", "Report");
        Assert.Equal(0, run.ExitCode);
        // Shared is needed by Report, so it runs; Generate, Compile and (through Compile) Restore were only for Upload.
        Assert.Equal(["Shared", "Report"], build.Ran);
        Assert.Equal(TargetStatus.Skipped, run.Status("Generate"));
        Assert.Equal(TargetStatus.Skipped, run.Status("Restore"));
        Assert.StartsWith("only needed by skipped", run.Result["Compile"].Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dependencies_still_run_when_a_skipped_target_keeps_the_default_behaviour()
    {
        var build = new Conditional { IsServerBuild = false };
        var run = await HostRun.RunAsync(build, "Lint", "Compile");
        Assert.Equal(TargetStatus.Skipped, run.Status("Lint"));
        Assert.Equal(["Restore", "Compile"], build.Ran);
    }

    [Fact]
    public async Task A_true_static_condition_runs_the_target()
    {
        var build = new Conditional { IsServerBuild = true };
        await HostRun.RunAsync(build, "Upload");
        Assert.Equal(["Shared", "Generate", "Restore", "Compile", "Upload"], build.Ran);
    }

    [Fact]
    public async Task Dynamic_conditions_are_evaluated_after_the_dependencies_ran()
    {
        var build = new Conditional();
        var run = await HostRun.RunAsync(build, "Deploy", "NeverReady");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Prepare", "Deploy"], build.Ran);
        Assert.Equal(TargetStatus.Succeeded, run.Status("Deploy"));
        Assert.Equal(TargetStatus.Skipped, run.Status("NeverReady"));
        Assert.Equal("condition false: !Ready", run.Result["NeverReady"].Note);
    }
}
