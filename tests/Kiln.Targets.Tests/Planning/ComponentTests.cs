using Kiln.Targets.Tests.Support;

namespace Kiln.Targets.Tests.Planning;

public interface IRecorded : IKilnBuild
{
    List<string> Ran { get; }
}

/// <summary>A component that only declares the target; the build provides it.</summary>
public interface ICompileComponent : IRecorded
{
    Target Compile { get; }
}

/// <summary>A component with default-implemented targets, as Kiln.Components offers BuildImages.</summary>
public interface IImagesComponent : ICompileComponent
{
    [Parameter("Image to build.")]
    string? Image => this.Parameter<string>();

    Target BuildImages => _ => _
        .DependsOn<ICompileComponent>(x => x.Compile)
        .Executes(() => Ran.Add($"BuildImages:{Image}"));

    Target ValidateImages => _ => _
        .DependentFor<IImagesComponent>(x => x.BuildImages)
        .Executes(() => Ran.Add("ValidateImages"));
}

public interface IPublishComponent : IRecorded
{
    Target Publish => _ => _.Executes(() => Ran.Add("Publish"));
}

public interface IOptionalUser : IRecorded
{
    Target UsesOptional => _ => _.TryDependsOn<IPublishComponent>(x => x.Publish).Executes(() => Ran.Add("UsesOptional"));
}

public interface IRequiredUser : IRecorded
{
    Target UsesRequired => _ => _.DependsOn<IPublishComponent>(x => x.Publish).Executes(() => Ran.Add("UsesRequired"));
}

public sealed class ComponentTests
{
    private sealed class WithComponents : KilnBuild, IImagesComponent, IOptionalUser
    {
        public List<string> Ran { get; } = [];

        public Target Compile => _ => _.Executes(() => Ran.Add("Compile"));
    }

    private sealed class OverridesComponent : KilnBuild, IImagesComponent
    {
        public List<string> Ran { get; } = [];

        public Target Compile => _ => _.Executes(() => Ran.Add("Compile"));

        Target IImagesComponent.BuildImages => _ => _.DependsOn(Compile).Executes(() => Ran.Add("Overridden"));
    }

    private sealed class MissingComponent : KilnBuild, IRequiredUser
    {
        public List<string> Ran { get; } = [];
    }

    [Fact]
    public async Task Default_interface_targets_are_discovered_and_depend_through_their_component()
    {
        var build = new WithComponents();
        var run = await HostRun.RunAsync(build, "build-images", "--image", "web");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Compile", "ValidateImages", "BuildImages:web"], build.Ran);
    }

    [Fact]
    public async Task A_class_can_override_a_component_target_explicitly()
    {
        var build = new OverridesComponent();
        var run = await HostRun.RunAsync(build, "BuildImages");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["Compile", "ValidateImages", "Overridden"], build.Ran);
        Assert.Single(run.Result.Targets, t => t.Name == "BuildImages");
    }

    [Fact]
    public async Task TryDependsOn_ignores_a_component_the_build_does_not_implement()
    {
        var build = new WithComponents();
        var run = await HostRun.RunAsync(build, "UsesOptional");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["UsesOptional"], build.Ran);
    }

    [Fact]
    public async Task DependsOn_a_component_the_build_does_not_implement_is_a_definition_error()
    {
        var run = await HostRun.RunAsync(new MissingComponent(), "UsesRequired");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("does not implement IPublishComponent", run.Output, StringComparison.Ordinal);
        Assert.Contains("TryDependsOn", run.Output, StringComparison.Ordinal);
    }
}
