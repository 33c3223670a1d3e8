namespace Kiln.Targets;

/// <summary>
/// Builds the plan: the invoked targets, their dependencies and triggered targets, ordered so that every
/// dependency, After/Before partner and trigger comes first; then applies --skip and static conditions.
/// </summary>
internal static class Planner
{
    public static ExecutionPlan Plan(TargetGraph graph, IReadOnlyList<ExecutableTarget> invoked)
    {
        var members = new HashSet<ExecutableTarget>();
        var pending = new Queue<ExecutableTarget>(invoked);
        while (pending.TryDequeue(out var target))
        {
            if (!members.Add(target))
            {
                continue;
            }

            foreach (var next in target.Dependencies.Concat(target.Triggers))
            {
                pending.Enqueue(next);
            }
        }

        var order = new List<ExecutableTarget>();
        var visited = new HashSet<ExecutableTarget>();
        foreach (var root in invoked.Concat(graph.Targets.Where(members.Contains)))
        {
            Visit(root);
        }

        return new ExecutionPlan(invoked, order);

        void Visit(ExecutableTarget target)
        {
            // The graph has no cycles (checked on discovery), so a plain depth-first walk terminates.
            if (!visited.Add(target))
            {
                return;
            }

            foreach (var predecessor in target.Predecessors.Where(members.Contains))
            {
                Visit(predecessor);
            }

            order.Add(target);
        }
    }

    /// <summary>--skip with no names skips every target not invoked; with names, those (never an invoked one).</summary>
    public static void ApplySkip(ExecutionPlan plan, IReadOnlyList<ExecutableTarget>? skip, bool skipAll)
    {
        foreach (var target in plan.Order)
        {
            if (plan.IsInvoked(target))
            {
                continue;
            }

            if (skipAll || (skip?.Contains(target) ?? false))
            {
                plan.Skip(target, "--skip");
            }
        }
    }

    /// <summary>Evaluates OnlyWhenStatic conditions once, then skips dependencies only skipped targets needed.</summary>
    public static void ApplyStaticConditions(ExecutionPlan plan)
    {
        foreach (var target in plan.Order)
        {
            if (plan.IsSkipped(target))
            {
                continue;
            }

            foreach (var condition in target.Definition.StaticConditions)
            {
                bool holds;
                try
                {
                    holds = condition.Evaluate();
                }
                catch (Exception exception)
                {
                    throw new UsageException($"The condition '{condition.DisplayText}' of target '{target.Name}' threw: {exception.Message}", "A static condition is evaluated before anything runs; make it safe to evaluate then.");
                }
                if (!holds)
                {
                    plan.Skip(target, $"condition false: {condition.DisplayText}");
                    break;
                }
            }
        }

        var propagated = new HashSet<ExecutableTarget>();
        bool changed;
        do
        {
            changed = false;
            foreach (var target in plan.Order)
            {
                if (plan.IsSkipped(target) || plan.IsInvoked(target))
                {
                    continue;
                }

                var dependents = plan.Order.Where(other => other.Dependencies.Contains(target)).ToList();
                var triggeredByRunning = target.TriggeredBy.Any(trigger => plan.Contains(trigger) && !plan.IsSkipped(trigger));
                if (dependents.Count == 0 || triggeredByRunning)
                {
                    continue;
                }

                if (dependents.All(dependent => plan.IsSkipped(dependent) && (dependent.Definition.SkippedDependencyBehavior == DependencyBehavior.Skip || propagated.Contains(dependent))))
                {
                    plan.Skip(target, $"only needed by skipped {string.Join(", ", dependents.Select(d => d.Name))}");
                    // Skipped on behalf of a WhenSkipped(Skip) target, so its own dependencies follow it.
                    propagated.Add(target);
                    changed = true;
                }
            }
        }
        while (changed);
    }
}
