using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Plugins;

namespace Kiln.Builders;

/// <summary>
/// A platform Kiln builds images for. The engine knows builders only through this interface and finds them in
/// the <see cref="PluginCatalog"/>; a new builder is one class plus its config type.
/// </summary>
public interface IBuilder
{
    /// <summary>The <c>type:</c> value that selects this builder, for example "qemu".</summary>
    string Type { get; }

    Type ConfigType { get; }

    /// <summary>The steps this builder will run for a source, in order, without running anything.</summary>
    IReadOnlyList<PlannedStep> DescribeSteps(ResolvedSource source);

    /// <summary>The temporary resources a build will create outside the process, for the plan.</summary>
    IReadOnlyList<string> DescribeTemporaryResources(ResolvedSource source);

    IBuildPipeline CreatePipeline(BuildContext context);
}
