using Kiln.Components;
using Kiln.Targets;

/// <summary>
/// A repository's build with Kiln's image targets and nothing to compile: what <c>./build.sh BuildImages</c> and
/// <c>./build.sh SweepImages</c> run, for tests that signal or kill it in the middle of a real build.
/// </summary>
internal sealed class ImageTargets : KilnBuild, IKilnImages
{
    public Target Compile => _ => _.Executes(() => { });
}
