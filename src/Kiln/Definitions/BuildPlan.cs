using System.Text;
using Kiln.Model;

namespace Kiln.Definitions;

/// <summary>What a build would do, per image and source, with secrets masked; <see cref="Render"/> prints it for people.</summary>
public sealed record BuildPlan(IReadOnlyList<ImagePlan> Images)
{
    public string Render()
    {
        var text = new StringBuilder();
        foreach (var image in Images)
        {
            text.Append("image ").Append(image.Name);
            if (image.Description is not null)
            {
                text.Append(": ").Append(image.Description);
            }

            text.Append('\n').Append("  file: ").Append(image.FilePath).Append('\n');
            if (image.DependsOn.Count > 0)
            {
                text.Append("  depends on: ").AppendJoin(", ", image.DependsOn).Append('\n');
            }

            if (image.Variables.Count > 0)
            {
                text.Append("  variables:\n");
                foreach (var variable in image.Variables)
                {
                    text.Append("    ").Append(variable.Name).Append(" = ").Append(variable.Value).Append('\n');
                }
            }

            foreach (var source in image.Sources)
            {
                text.Append("  source ").Append(source.Name).Append(" (").Append(source.Type).Append(")\n");
                foreach (var (key, value) in source.Settings)
                {
                    text.Append("    ").Append(key).Append(": ").Append(value).Append('\n');
                }

                foreach (var stage in source.Steps.GroupBy(s => s.Stage))
                {
                    text.Append("    ").Append(stage.Key.ToString().ToLowerInvariant()).Append(": ").AppendJoin(" -> ", stage.Select(s => s.Name)).Append('\n');
                }

                AppendList(text, "provision", source.Provisioners);
                AppendList(text, "verify", source.Verify);
                if (source.Publish.Count > 0)
                {
                    text.Append("    publish: ").AppendJoin(", ", source.Publish.Select(c => string.Join(" | ", c))).Append('\n');
                }

                AppendList(text, "temporary resources", source.TemporaryResources);
            }
        }

        return text.ToString();
    }

    private static void AppendList(StringBuilder text, string label, IReadOnlyList<string> items)
    {
        if (items.Count > 0)
        {
            text.Append("    ").Append(label).Append(": ").AppendJoin(", ", items).Append('\n');
        }
    }
}

public sealed record ImagePlan(
    string Name,
    string? Description,
    string FilePath,
    IReadOnlyList<string> DependsOn,
    IReadOnlyList<PlannedVariable> Variables,
    IReadOnlyList<SourcePlan> Sources);

/// <summary>A variable's value as the plan shows it: masked when sensitive.</summary>
public sealed record PlannedVariable(string Name, string Value, bool Sensitive);

public sealed record SourcePlan(
    string Name,
    string Type,
    IReadOnlyList<KeyValuePair<string, string>> Settings,
    IReadOnlyList<PlannedStep> Steps,
    IReadOnlyList<string> Provisioners,
    IReadOnlyList<string> Verify,
    IReadOnlyList<IReadOnlyList<string>> Publish,
    IReadOnlyList<string> TemporaryResources);
