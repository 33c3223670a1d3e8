using System.Text;

namespace Kiln.Targets;

/// <summary>--plan: the execution plan as text, and the whole target graph as a Mermaid flowchart with the plan highlighted.</summary>
internal static class PlanWriter
{
    public static void WriteText(HostOutput output, ExecutionPlan plan, string? mermaidPath)
    {
        output.Line($"Execution plan for {string.Join(" + ", plan.Invoked.Select(t => t.Name))}:", Verbosity.Quiet);
        var number = 0;
        var width = plan.Order.Max(target => target.Name.Length) + 2;
        foreach (var target in plan.Order)
        {
            number++;
            var note = plan.SkipReason(target) is { } reason ? $"skipped: {reason}"
                : target.Definition.DynamicConditions.Count > 0 ? $"only when: {string.Join(" and ", target.Definition.DynamicConditions.Select(c => c.DisplayText))}"
                : target.Definition.Actions.Count == 0 ? "collective"
                : "";
            output.Line($"  {number,2}. {target.Name.PadRight(width)}{note}".TrimEnd(), Verbosity.Quiet);
        }
        if (mermaidPath is not null)
        {
            output.Line($"Mermaid graph: {mermaidPath}", Verbosity.Quiet);
        }
    }

    public static string Mermaid(TargetGraph graph, ExecutionPlan plan)
    {
        var text = new StringBuilder();
        text.Append("flowchart LR\n");
        foreach (var target in graph.Targets)
        {
            text.Append($"  {Id(target)}[\"{target.Name}\"]\n");
        }

        foreach (var target in graph.Targets)
        {
            foreach (var dependency in target.Dependencies)
            {
                text.Append($"  {Id(dependency)} --> {Id(target)}\n");
            }

            foreach (var triggered in target.Triggers)
            {
                text.Append($"  {Id(target)} -. triggers .-> {Id(triggered)}\n");
            }

            foreach (var earlier in target.RunsAfter)
            {
                text.Append($"  {Id(earlier)} -. before .-> {Id(target)}\n");
            }
        }
        text.Append("  classDef invoked stroke-width:3px;\n");
        text.Append("  classDef planned fill:#dff0d8;\n");
        text.Append("  classDef skipped fill:#eeeeee,stroke-dasharray:4;\n");
        foreach (var target in plan.Order)
        {
            var style = plan.IsSkipped(target) ? "skipped" : "planned";
            text.Append($"  class {Id(target)} {style};\n");
        }
        foreach (var target in plan.Invoked)
        {
            text.Append($"  class {Id(target)} invoked;\n");
        }

        return text.ToString();
    }

    /// <summary>Writes to a temporary file and renames it, so a reader never sees half a graph.</summary>
    public static void WriteFile(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    private static string Id(ExecutableTarget target) => "t_" + Names.Normalize(target.Name);
}
