using System.Reflection;

namespace Kiln.Targets;

/// <summary>
/// The build's targets: every <see cref="Target"/> property of the build class, its bases and the default
/// members of the components (interfaces) it implements, with their edges resolved and checked for cycles.
/// </summary>
internal sealed class TargetGraph
{
    private const BindingFlags Members = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    private readonly Dictionary<string, ExecutableTarget> _byName;
    private readonly Dictionary<Delegate, ExecutableTarget> _delegates = [];

    private TargetGraph(IReadOnlyList<ExecutableTarget> targets, Dictionary<string, ExecutableTarget> byName)
    {
        Targets = targets;
        _byName = byName;
    }

    public IReadOnlyList<ExecutableTarget> Targets { get; }

    public ExecutableTarget? Find(string name) => _byName.GetValueOrDefault(Names.Normalize(name));

    /// <summary>The target a property's delegate stands for (delegates of the same lambda and instance are equal).</summary>
    public ExecutableTarget? Find(Target target) => _delegates.GetValueOrDefault(target);

    public static TargetGraph Discover(object build)
    {
        var type = build.GetType();
        var properties = new List<(string Name, MethodInfo Getter)>();
        var implementations = new HashSet<MethodInfo>();

        var chain = new Stack<Type>();
        for (var current = type; current is not null && current != typeof(KilnBuild) && current != typeof(object); current = current.BaseType)
        {
            chain.Push(current);
        }

        foreach (var declaring in chain)
        {
            foreach (var property in declaring.GetProperties(Members))
            {
                if (property.PropertyType == typeof(Target) && property.GetMethod is { } getter && getter.GetParameters().Length == 0)
                {
                    properties.Add((property.Name[(property.Name.LastIndexOf('.') + 1)..], getter));
                    implementations.Add(getter);
                }
            }
        }
        foreach (var component in type.GetInterfaces())
        {
            var map = type.GetInterfaceMap(component);
            foreach (var property in component.GetProperties(Members))
            {
                if (property.PropertyType != typeof(Target) || property.GetMethod is not { } getter)
                {
                    continue;
                }

                var implementation = map.TargetMethods[Array.IndexOf(map.InterfaceMethods, getter)];
                // A class property (or another interface's override) already provides this target.
                if (implementation is null || !implementations.Add(implementation))
                {
                    continue;
                }

                properties.Add((property.Name, getter));
            }
        }

        var targets = new List<ExecutableTarget>();
        var byName = new Dictionary<string, ExecutableTarget>(StringComparer.Ordinal);
        var definitions = new List<(ExecutableTarget Target, Target Delegate)>();
        var graph = new TargetGraph(targets, byName);
        foreach (var (name, getter) in properties)
        {
            object? read;
            try
            {
                read = getter.Invoke(build, null);
            }
            catch (TargetInvocationException exception)
            {
                throw new UsageException($"Reading the target property '{name}' threw: {exception.InnerException?.Message}", "A target property only returns its lambda: Target Name => _ => _.Executes(...);");
            }
            if (read is not Target value)
            {
                throw new UsageException($"The target property '{name}' returned null.", "Declare it as Target Name => _ => _.Executes(...);");
            }

            if (graph._delegates.TryGetValue(value, out var aliased))
            {
                // Target Default => Compile; is another name for the same target.
                byName.TryAdd(Names.Normalize(name), aliased);
                continue;
            }
            var key = Names.Normalize(name);
            if (byName.TryGetValue(key, out var clash))
            {
                throw new UsageException($"Two targets are named '{name}' and '{clash.Name}'.", "Target names are compared ignoring case and dashes; rename one.");
            }

            var target = new ExecutableTarget(name, new TargetDefinition(), targets.Count);
            targets.Add(target);
            byName[key] = target;
            graph._delegates[value] = target;
            definitions.Add((target, value));
        }

        foreach (var (target, value) in definitions)
        {
            try
            {
                value(target.Definition);
            }
            catch (Exception exception) when (exception is not UsageException)
            {
                throw new UsageException($"The definition of target '{target.Name}' threw: {exception.Message}", "A target property only declares the target; do the work inside Executes(...).");
            }
        }

        foreach (var target in targets)
        {
            var definition = target.Definition;
            foreach (var dependency in graph.Resolve(target, definition.DependsOnTargets, build, "DependsOn"))
            {
                AddOnce(target.Dependencies, dependency);
            }

            foreach (var dependent in graph.Resolve(target, definition.DependentForTargets, build, "DependentFor"))
            {
                AddOnce(dependent.Dependencies, target);
            }

            foreach (var earlier in graph.Resolve(target, definition.AfterTargets, build, "After"))
            {
                AddOnce(target.RunsAfter, earlier);
            }

            foreach (var later in graph.Resolve(target, definition.BeforeTargets, build, "Before"))
            {
                AddOnce(later.RunsAfter, target);
            }

            foreach (var triggered in graph.Resolve(target, definition.TriggersTargets, build, "Triggers"))
            {
                AddOnce(target.Triggers, triggered);
                AddOnce(triggered.TriggeredBy, target);
            }
            foreach (var trigger in graph.Resolve(target, definition.TriggeredByTargets, build, "TriggeredBy"))
            {
                AddOnce(trigger.Triggers, target);
                AddOnce(target.TriggeredBy, trigger);
            }
        }

        graph.ThrowOnCycle();
        return graph;
    }

    private IEnumerable<ExecutableTarget> Resolve(ExecutableTarget owner, List<TargetReference> references, object build, string edge)
    {
        foreach (var reference in references)
        {
            var value = reference.Resolve(build);
            if (value is null)
            {
                if (reference.Optional)
                {
                    continue;
                }

                throw new UsageException(
                    $"Target '{owner.Name}' uses {edge}<{reference.Component?.Name}>, but the build does not implement {reference.Component?.Name}.",
                    $"Implement {reference.Component?.Name} on the build class, or use Try{edge}<{reference.Component?.Name}> for an optional edge.");
            }
            if (!_delegates.TryGetValue(value, out var target))
            {
                throw new UsageException(
                    $"Target '{owner.Name}' has a {edge} edge to a target that is not a Target property of the build.",
                    "Refer to targets through their properties (DependsOn(Compile)), not through new lambdas.");
            }
            if (target == owner)
            {
                throw new UsageException($"Target '{owner.Name}' names itself in {edge}.", "Remove the edge.");
            }

            yield return target;
        }
    }

    private void ThrowOnCycle()
    {
        var state = new Dictionary<ExecutableTarget, int>();
        var path = new List<ExecutableTarget>();
        foreach (var target in Targets)
        {
            Visit(target);
        }

        void Visit(ExecutableTarget target)
        {
            switch (state.GetValueOrDefault(target))
            {
                case 2:
                    return;
                case 1:
                    var cycle = path.Skip(path.IndexOf(target)).Append(target).Select(t => t.Name);
                    throw new UsageException(
                        $"The targets form a cycle: {string.Join(" -> ", cycle)} (each must run after the next).",
                        "Remove one of the DependsOn, After/Before or Triggers edges on this path.");
            }
            state[target] = 1;
            path.Add(target);
            foreach (var predecessor in target.Predecessors)
            {
                Visit(predecessor);
            }

            path.RemoveAt(path.Count - 1);
            state[target] = 2;
        }
    }

    private static void AddOnce(List<ExecutableTarget> list, ExecutableTarget target)
    {
        if (!list.Contains(target))
        {
            list.Add(target);
        }
    }
}
