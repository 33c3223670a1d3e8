using Kiln.Targets.Tests.Support;

namespace Kiln.Targets.Tests.Execution;

/// <summary>Shaped like Kiln's KilnException: the host must find the Hint property on any exception type.</summary>
internal sealed class ActionableException(string message, string hint) : Exception(message)
{
    public string Hint { get; } = hint;
}

public sealed class FailureTests
{
    private sealed class Failing : KilnBuild
    {
        public List<string> Ran { get; } = [];

        private Target Restore => _ => _.Executes(() => Ran.Add(nameof(Restore)));

        private Target Compile => _ => _.DependsOn(Restore).Executes(() =>
        {
            Ran.Add(nameof(Compile));
            throw new ActionableException("the compiler is missing", "install the .NET SDK");
        });

        private Target Lint => _ => _.ProceedAfterFailure().Executes(() =>
        {
            Ran.Add(nameof(Lint));
            throw new InvalidOperationException("style problems");
        });

        private Target Docs => _ => _.After(Lint, Compile).Executes(() => Ran.Add(nameof(Docs)));

        private Target Test => _ => _.DependsOn(Compile).Executes(() => Ran.Add(nameof(Test)));

        private Target Package => _ => _.After(Test).Executes(() => Ran.Add(nameof(Package)));

        private Target Cleanup => _ => _.After(Package, Test, Docs).AssuredAfterFailure().Executes(() => Ran.Add(nameof(Cleanup)));

        private Target Collect => _ => _.DependsOn(Lint).Executes(() => Ran.Add(nameof(Collect)));

        private Target Unconditional => _ => _.Executes(() => Ran.Add(nameof(Unconditional)));
    }

    [Fact]
    public async Task A_failure_stops_the_build_and_later_targets_do_not_run()
    {
        var build = new Failing();
        var run = await HostRun.RunAsync(build, "Test", "Package");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(["Restore", "Compile"], build.Ran);
        Assert.Equal(TargetStatus.Failed, run.Status("Compile"));
        Assert.Equal(TargetStatus.NotRun, run.Status("Test"));
        Assert.Equal(TargetStatus.NotRun, run.Status("Package"));
        Assert.Equal(BuildOutcome.Failed, run.Result.Outcome);
        Assert.Contains("Build failed", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_assured_target_still_runs_after_a_failure()
    {
        var build = new Failing();
        var run = await HostRun.RunAsync(build, "Test", "Package", "Cleanup");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(["Restore", "Compile", "Cleanup"], build.Ran);
        Assert.Equal(TargetStatus.Succeeded, run.Status("Cleanup"));
    }

    [Fact]
    public async Task ProceedAfterFailure_lets_independent_targets_run_but_not_its_dependents_and_the_build_fails()
    {
        var build = new Failing();
        var run = await HostRun.RunAsync(build, "Lint", "Collect", "Unconditional");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(["Lint", "Unconditional"], build.Ran);
        Assert.Equal(TargetStatus.NotRun, run.Status("Collect"));
        Assert.Equal("Lint did not succeed", run.Result["Collect"].Note);
    }

    [Fact]
    public async Task A_failure_prints_message_and_hint_without_a_stack_trace()
    {
        var run = await HostRun.RunAsync(new Failing(), "Compile");
        Assert.Contains("error: Compile failed: the compiler is missing", run.Output, StringComparison.Ordinal);
        Assert.Contains("hint: install the .NET SDK", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbose_output_adds_the_stack_trace()
    {
        var run = await HostRun.RunAsync(new Failing(), "Compile", "--verbosity", "verbose");
        Assert.Contains("ActionableException", run.Output, StringComparison.Ordinal);
        Assert.Contains(" at ", run.Output, StringComparison.Ordinal);
    }

    private sealed class Needs : KilnBuild
    {
        public List<string> Ran { get; } = [];

        [Parameter("Where to publish.")]
        public string? Feed { get; set; }

        [Parameter, Secret]
        public string? ApiKey { get; set; }

        public bool Approved { get; set; }

        private Target Build => _ => _.Executes(() => Ran.Add(nameof(Build)));

        private Target Publish => _ => _
            .DependsOn(Build)
            .Requires(() => Feed)
            .Requires(() => ApiKey)
            .Executes(() => Ran.Add(nameof(Publish)));

        private Target Release => _ => _.Requires(() => Approved).Executes(() => Ran.Add(nameof(Release)));
    }

    [Fact]
    public async Task Unmet_requirements_stop_the_build_before_anything_runs_and_name_the_parameters()
    {
        var build = new Needs();
        var run = await HostRun.RunAsync(build, "Publish");
        Assert.Equal(2, run.ExitCode);
        Assert.Empty(build.Ran);
        Assert.Contains("Target 'Publish' requires the parameter Feed.", run.Output, StringComparison.Ordinal);
        Assert.Contains("Target 'Publish' requires the parameter ApiKey.", run.Output, StringComparison.Ordinal);
        Assert.Contains("Pass --api-key <value> or set KILN_API_KEY.", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Met_requirements_let_the_target_run()
    {
        var build = new Needs();
        var run = await HostRun.RunAsync(build, ["Publish", "--feed", "https://feed"], HostKind.Plain, new Dictionary<string, string> { ["KILN_API_KEY"] = "k3y" });
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Build", "Publish"], build.Ran);
    }

    [Fact]
    public async Task A_false_boolean_requirement_is_unmet()
    {
        var run = await HostRun.RunAsync(new Needs(), "Release");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("requires 'Approved'", run.Output, StringComparison.Ordinal);
    }

    private sealed class ThrowingParts : KilnBuild
    {
        private static bool Explode() => throw new InvalidOperationException("condition exploded");

        private Target Guarded => _ => _.OnlyWhenDynamic(() => Explode()).Executes(() => { });

        private Target Broken => throw new InvalidOperationException("property exploded");
    }

    private sealed class ThrowingCondition : KilnBuild
    {
        private static bool Explode() => throw new InvalidOperationException("condition exploded");

        private Target Guarded => _ => _.OnlyWhenDynamic(() => Explode()).Executes(() => { });
    }

    [Fact]
    public async Task A_throwing_dynamic_condition_fails_its_target()
    {
        var run = await HostRun.RunAsync(new ThrowingCondition(), "Guarded");
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(TargetStatus.Failed, run.Status("Guarded"));
        Assert.Contains("condition exploded", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_throwing_target_property_is_a_definition_error_without_a_stack_trace()
    {
        var run = await HostRun.RunAsync(new ThrowingParts(), "Guarded");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Reading the target property 'Broken' threw: property exploded", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", run.Output, StringComparison.Ordinal);
    }
}
