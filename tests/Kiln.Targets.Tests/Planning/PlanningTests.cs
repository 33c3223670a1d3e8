using Kiln.Targets.Tests.Support;

namespace Kiln.Targets.Tests.Planning;

public sealed class PlanningTests
{
    private sealed class Chain : KilnBuild
    {
        public List<string> Ran { get; } = [];

        private Target Clean => _ => _.Before(Restore).Executes(() => Ran.Add(nameof(Clean)));

        private Target Restore => _ => _.Executes(() => Ran.Add(nameof(Restore)));

        public Target Compile => _ => _.DependsOn(Restore).Executes(() => Ran.Add(nameof(Compile)));

        private Target Test => _ => _.DependsOn(Compile).Executes(() => Ran.Add(nameof(Test)));

        private Target Pack => _ => _.DependsOn(Compile).After(Test).Executes(() => Ran.Add(nameof(Pack)));

        private Target Docs => _ => _.DependentFor(Pack).Executes(() => Ran.Add(nameof(Docs)));

        private Target Notify => _ => _.TriggeredBy(Pack).Executes(() => Ran.Add(nameof(Notify)));

        private Target Publish => _ => _.Triggers(Announce).Executes(() => Ran.Add(nameof(Publish)));

        private Target Announce => _ => _.Executes(() => Ran.Add(nameof(Announce)));
    }

    [Fact]
    public async Task Dependencies_run_first_and_only_once()
    {
        var build = new Chain();
        var run = await HostRun.RunAsync(build, "Test");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Restore", "Compile", "Test"], build.Ran);
    }

    [Fact]
    public async Task After_orders_but_does_not_pull_a_target_into_the_plan()
    {
        var alone = new Chain();
        await HostRun.RunAsync(alone, "Pack");
        Assert.DoesNotContain("Test", alone.Ran);

        var both = new Chain();
        await HostRun.RunAsync(both, "Pack", "Test");
        Assert.True(both.Ran.IndexOf("Test") < both.Ran.IndexOf("Pack"), string.Join(",", both.Ran));
    }

    [Fact]
    public async Task Before_puts_the_declaring_target_first_when_both_are_planned()
    {
        var build = new Chain();
        await HostRun.RunAsync(build, "Compile+Clean");
        Assert.Equal(["Clean", "Restore", "Compile"], build.Ran);
    }

    [Fact]
    public async Task DependentFor_makes_the_named_target_depend_on_the_declaring_one()
    {
        var build = new Chain();
        await HostRun.RunAsync(build, "Pack");
        Assert.Contains("Docs", build.Ran);
        Assert.True(build.Ran.IndexOf("Docs") < build.Ran.IndexOf("Pack"));
    }

    [Fact]
    public async Task Triggers_and_TriggeredBy_add_targets_that_run_after_their_trigger()
    {
        var build = new Chain();
        await HostRun.RunAsync(build, "Publish");
        Assert.Equal(["Publish", "Announce"], build.Ran);

        var packed = new Chain();
        await HostRun.RunAsync(packed, "Pack");
        Assert.Equal("Notify", packed.Ran[^1]);
        Assert.True(packed.Ran.IndexOf("Pack") < packed.Ran.IndexOf("Notify"));
    }

    [Theory]
    [InlineData("compile")]
    [InlineData("COMPILE")]
    [InlineData("com-pile")]
    [InlineData("--target=Compile")]
    public async Task Target_names_ignore_case_and_dashes(string argument)
    {
        var build = new Chain();
        var run = await HostRun.RunAsync(build, argument);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Restore", "Compile"], build.Ran);
    }

    [Fact]
    public async Task Several_targets_are_invoked_with_plus_or_as_separate_arguments()
    {
        var plus = new Chain();
        await HostRun.RunAsync(plus, "--target", "Publish+Restore");
        var separate = new Chain();
        await HostRun.RunAsync(separate, "Publish", "Restore");
        Assert.Equal(["Publish", "Restore", "Announce"], plus.Ran);
        Assert.Equal(plus.Ran, separate.Ran);
    }

    [Fact]
    public async Task The_default_target_runs_when_none_is_named()
    {
        var build = new Chain();
        var run = await HostRun.RunAsync(build, [], HostKind.Plain, defaultTarget: b => b.Compile);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Restore", "Compile"], build.Ran);
    }

    [Fact]
    public async Task No_target_and_no_default_is_a_usage_error()
    {
        var run = await HostRun.RunAsync(new Chain());
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("No target given", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_target_exits_2_with_the_targets_and_a_did_you_mean()
    {
        var build = new Chain();
        var run = await HostRun.RunAsync(build, "Compil");
        Assert.Equal(2, run.ExitCode);
        Assert.Empty(build.Ran);
        Assert.Contains("Unknown target 'Compil'", run.Output, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'Compile'?", run.Output, StringComparison.Ordinal);
        Assert.Contains("Targets: Clean, Restore, Compile, Test, Pack, Docs, Notify, Publish, Announce.", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_target_far_from_any_name_gets_no_suggestion()
    {
        var run = await HostRun.RunAsync(new Chain(), "Zzzzzzzzz");
        Assert.Equal(2, run.ExitCode);
        Assert.DoesNotContain("Did you mean", run.Output, StringComparison.Ordinal);
        Assert.Contains("Targets: Clean", run.Output, StringComparison.Ordinal);
    }

    private sealed class Cyclic : KilnBuild
    {
        private Target A => _ => _.DependsOn(B).Executes(() => { });

        private Target B => _ => _.DependsOn(C).Executes(() => { });

        private Target C => _ => _.After(A).Executes(() => { });

        private Target Unrelated => _ => _.Executes(() => { });
    }

    [Fact]
    public async Task A_cycle_fails_before_anything_runs_and_names_the_cycle()
    {
        var run = await HostRun.RunAsync(new Cyclic(), "Unrelated");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("The targets form a cycle: A -> B -> C -> A", run.Output, StringComparison.Ordinal);
        Assert.Null(run.Host.LastResult);
    }

    private sealed class TriggerCycle : KilnBuild
    {
        private Target A => _ => _.Triggers(B).Executes(() => { });

        private Target B => _ => _.Before(A).Executes(() => { });
    }

    [Fact]
    public async Task Trigger_edges_take_part_in_cycle_detection()
    {
        var run = await HostRun.RunAsync(new TriggerCycle(), "A");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("cycle", run.Output, StringComparison.Ordinal);
    }
}
