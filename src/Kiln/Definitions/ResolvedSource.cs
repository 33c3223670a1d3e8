using Kiln.Diagnostics;

namespace Kiln.Definitions;

/// <summary>One platform of a definition, with the provisioners, checks and publishers that apply to it (only/except already applied).</summary>
public sealed record ResolvedSource
{
    public required string Name { get; init; }

    /// <summary>The builder type name, for example "qemu".</summary>
    public required string Type { get; init; }

    public required SourceConfig Config { get; init; }

    public SourceLocation? Location { get; init; }

    public IReadOnlyList<ResolvedPlugin<ProvisionerConfig>> Provisioners { get; init; } = [];

    public IReadOnlyList<ResolvedPlugin<ProvisionerConfig>> Verify { get; init; } = [];

    /// <summary>Each inner list is a chain: every publisher in it receives the previous one's artifacts.</summary>
    public IReadOnlyList<IReadOnlyList<ResolvedPlugin<PublisherConfig>>> Publish { get; init; } = [];
}

/// <summary>A provisioner or publisher entry: its type name, typed config and where it was written.</summary>
public sealed record ResolvedPlugin<TConfig>(string Type, TConfig Config, SourceLocation? Location)
    where TConfig : class;
