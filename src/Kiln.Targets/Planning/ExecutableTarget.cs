namespace Kiln.Targets;

/// <summary>A target with its edges resolved to other targets of the same build.</summary>
internal sealed class ExecutableTarget(string name, TargetDefinition definition, int index)
{
    public string Name { get; } = name;

    public TargetDefinition Definition { get; } = definition;

    /// <summary>Declaration order, which breaks ties in the plan.</summary>
    public int Index { get; } = index;

    public string? Description => Definition.DescriptionText;

    public bool IsDefault { get; set; }

    /// <summary>DependsOn plus the targets that declared DependentFor this one.</summary>
    public List<ExecutableTarget> Dependencies { get; } = [];

    /// <summary>Triggers plus the targets that declared TriggeredBy this one.</summary>
    public List<ExecutableTarget> Triggers { get; } = [];

    public List<ExecutableTarget> TriggeredBy { get; } = [];

    /// <summary>After plus the targets that declared Before this one: ordering only, when both are planned.</summary>
    public List<ExecutableTarget> RunsAfter { get; } = [];

    /// <summary>Everything that must come earlier if it is in the plan: dependencies, ordering and triggers.</summary>
    public IEnumerable<ExecutableTarget> Predecessors => Dependencies.Concat(RunsAfter).Concat(TriggeredBy);

    public override string ToString() => Name;
}
