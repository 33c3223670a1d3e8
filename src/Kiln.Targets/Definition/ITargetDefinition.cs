using System.Runtime.CompilerServices;

namespace Kiln.Targets;

/// <summary>The fluent surface a target property uses to describe itself.</summary>
public interface ITargetDefinition
{
    ITargetDefinition Description(string description);

    ITargetDefinition Executes(Action action);

    ITargetDefinition Executes(Func<Task> action);

    ITargetDefinition Executes(Func<CancellationToken, Task> action);

    /// <summary>These targets run before this one and must succeed.</summary>
    ITargetDefinition DependsOn(params Target[] targets);

    ITargetDefinition DependsOn<T>(params Func<T, Target>[] targets);

    /// <summary>Like <see cref="DependsOn{T}"/>, but ignored when the build does not implement <typeparamref name="T"/>.</summary>
    ITargetDefinition TryDependsOn<T>(params Func<T, Target>[] targets);

    /// <summary>The inverse of DependsOn: these targets depend on this one.</summary>
    ITargetDefinition DependentFor(params Target[] targets);

    ITargetDefinition DependentFor<T>(params Func<T, Target>[] targets);

    /// <summary>Ordering only: when both are in the plan, this one runs after them.</summary>
    ITargetDefinition After(params Target[] targets);

    ITargetDefinition After<T>(params Func<T, Target>[] targets);

    ITargetDefinition TryAfter<T>(params Func<T, Target>[] targets);

    /// <summary>Ordering only: when both are in the plan, this one runs before them.</summary>
    ITargetDefinition Before(params Target[] targets);

    ITargetDefinition Before<T>(params Func<T, Target>[] targets);

    ITargetDefinition TryBefore<T>(params Func<T, Target>[] targets);

    /// <summary>Whenever this target is in the plan, these targets join it and run after it.</summary>
    ITargetDefinition Triggers(params Target[] targets);

    ITargetDefinition Triggers<T>(params Func<T, Target>[] targets);

    /// <summary>The inverse of Triggers: this target joins the plan whenever one of these is in it.</summary>
    ITargetDefinition TriggeredBy(params Target[] targets);

    ITargetDefinition TriggeredBy<T>(params Func<T, Target>[] targets);

    /// <summary>Evaluated once before anything runs; when false the target is skipped.</summary>
    ITargetDefinition OnlyWhenStatic(Func<bool> condition, [CallerArgumentExpression(nameof(condition))] string? conditionText = null);

    /// <summary>Evaluated right before the target would run, after its dependencies.</summary>
    ITargetDefinition OnlyWhenDynamic(Func<bool> condition, [CallerArgumentExpression(nameof(condition))] string? conditionText = null);

    /// <summary>
    /// Checked for every target in the plan before anything runs: the value must not be null, empty or false.
    /// Typically a parameter: <c>.Requires(() =&gt; ApiKey)</c>.
    /// </summary>
    ITargetDefinition Requires<T>(Func<T> requirement, [CallerArgumentExpression(nameof(requirement))] string? requirementText = null);

    ITargetDefinition WhenSkipped(DependencyBehavior dependencyBehavior);

    /// <summary>A failure of this target does not stop the build (the build still fails).</summary>
    ITargetDefinition ProceedAfterFailure();

    /// <summary>This target still runs after another target failed (cleanup).</summary>
    ITargetDefinition AssuredAfterFailure();

    /// <summary>Hidden from --help, still invocable.</summary>
    ITargetDefinition Unlisted();
}
