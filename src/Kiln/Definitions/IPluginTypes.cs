using Kiln.Model;

namespace Kiln.Definitions;

/// <summary>
/// All the definitions need to know about plugins: which type names exist under <c>sources</c>, <c>provision</c>,
/// <c>verify</c> and <c>publish</c>, and which config type binds each. The plugin catalog implements it, so this layer
/// never sees a builder, provisioner or publisher itself.
/// </summary>
public interface IPluginTypes
{
    /// <summary>Builder type name (a source's <c>type:</c>) to its <see cref="SourceConfig"/> type.</summary>
    IReadOnlyDictionary<string, Type> SourceConfigTypes { get; }

    /// <summary>Provisioner type name to its <see cref="ProvisionerConfig"/> type.</summary>
    IReadOnlyDictionary<string, Type> ProvisionerConfigTypes { get; }

    /// <summary>Publisher type name to its <see cref="PublisherConfig"/> type.</summary>
    IReadOnlyDictionary<string, Type> PublisherConfigTypes { get; }

    /// <summary>For plans: the steps a resolved source would run and the temporary resources it would create.</summary>
    SourceSteps DescribeSource(ResolvedSource source);
}

/// <summary>What a source's builder would do, without running anything.</summary>
public sealed record SourceSteps(IReadOnlyList<PlannedStep> Steps, IReadOnlyList<string> TemporaryResources);
