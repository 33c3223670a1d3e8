namespace Kiln.Targets;

/// <summary>Collects what a target property declares; the host reads it when it builds the graph.</summary>
internal sealed class TargetDefinition : ITargetDefinition
{
    public string? DescriptionText { get; private set; }

    public List<Func<CancellationToken, Task>> Actions { get; } = [];

    public List<TargetReference> DependsOnTargets { get; } = [];

    public List<TargetReference> DependentForTargets { get; } = [];

    public List<TargetReference> AfterTargets { get; } = [];

    public List<TargetReference> BeforeTargets { get; } = [];

    public List<TargetReference> TriggersTargets { get; } = [];

    public List<TargetReference> TriggeredByTargets { get; } = [];

    public List<TargetCondition> StaticConditions { get; } = [];

    public List<TargetCondition> DynamicConditions { get; } = [];

    public List<TargetRequirement> Requirements { get; } = [];

    public DependencyBehavior SkippedDependencyBehavior { get; private set; } = DependencyBehavior.Execute;

    public bool IsProceedAfterFailure { get; private set; }

    public bool IsAssuredAfterFailure { get; private set; }

    public bool IsUnlisted { get; private set; }

    public ITargetDefinition Description(string description)
    {
        DescriptionText = description;
        return this;
    }

    public ITargetDefinition Executes(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Actions.Add(_ =>
        {
            action();
            return Task.CompletedTask;
        });
        return this;
    }

    public ITargetDefinition Executes(Func<Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Actions.Add(_ => action());
        return this;
    }

    public ITargetDefinition Executes(Func<CancellationToken, Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Actions.Add(action);
        return this;
    }

    public ITargetDefinition DependsOn(params Target[] targets) => AddDirect(DependsOnTargets, targets);

    public ITargetDefinition DependsOn<T>(params Func<T, Target>[] targets) => AddThrough(DependsOnTargets, targets, optional: false);

    public ITargetDefinition TryDependsOn<T>(params Func<T, Target>[] targets) => AddThrough(DependsOnTargets, targets, optional: true);

    public ITargetDefinition DependentFor(params Target[] targets) => AddDirect(DependentForTargets, targets);

    public ITargetDefinition DependentFor<T>(params Func<T, Target>[] targets) => AddThrough(DependentForTargets, targets, optional: false);

    public ITargetDefinition After(params Target[] targets) => AddDirect(AfterTargets, targets);

    public ITargetDefinition After<T>(params Func<T, Target>[] targets) => AddThrough(AfterTargets, targets, optional: false);

    public ITargetDefinition TryAfter<T>(params Func<T, Target>[] targets) => AddThrough(AfterTargets, targets, optional: true);

    public ITargetDefinition Before(params Target[] targets) => AddDirect(BeforeTargets, targets);

    public ITargetDefinition Before<T>(params Func<T, Target>[] targets) => AddThrough(BeforeTargets, targets, optional: false);

    public ITargetDefinition TryBefore<T>(params Func<T, Target>[] targets) => AddThrough(BeforeTargets, targets, optional: true);

    public ITargetDefinition Triggers(params Target[] targets) => AddDirect(TriggersTargets, targets);

    public ITargetDefinition Triggers<T>(params Func<T, Target>[] targets) => AddThrough(TriggersTargets, targets, optional: false);

    public ITargetDefinition TriggeredBy(params Target[] targets) => AddDirect(TriggeredByTargets, targets);

    public ITargetDefinition TriggeredBy<T>(params Func<T, Target>[] targets) => AddThrough(TriggeredByTargets, targets, optional: false);

    public ITargetDefinition OnlyWhenStatic(Func<bool> condition, string? conditionText = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        StaticConditions.Add(new TargetCondition(condition, conditionText ?? "condition"));
        return this;
    }

    public ITargetDefinition OnlyWhenDynamic(Func<bool> condition, string? conditionText = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        DynamicConditions.Add(new TargetCondition(condition, conditionText ?? "condition"));
        return this;
    }

    public ITargetDefinition Requires<T>(Func<T> requirement, string? requirementText = null)
    {
        ArgumentNullException.ThrowIfNull(requirement);
        Requirements.Add(new TargetRequirement(() => requirement(), requirementText ?? "requirement"));
        return this;
    }

    public ITargetDefinition WhenSkipped(DependencyBehavior dependencyBehavior)
    {
        SkippedDependencyBehavior = dependencyBehavior;
        return this;
    }

    public ITargetDefinition ProceedAfterFailure()
    {
        IsProceedAfterFailure = true;
        return this;
    }

    public ITargetDefinition AssuredAfterFailure()
    {
        IsAssuredAfterFailure = true;
        return this;
    }

    public ITargetDefinition Unlisted()
    {
        IsUnlisted = true;
        return this;
    }

    private TargetDefinition AddDirect(List<TargetReference> list, Target[] targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        list.AddRange(targets.Select(TargetReference.Direct));
        return this;
    }

    private TargetDefinition AddThrough<T>(List<TargetReference> list, Func<T, Target>[] targets, bool optional)
    {
        ArgumentNullException.ThrowIfNull(targets);
        list.AddRange(targets.Select(select => TargetReference.Through(select, optional)));
        return this;
    }
}
