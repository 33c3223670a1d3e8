using System.Globalization;

namespace Kiln.Targets;

/// <summary>--help: the map of the build (targets with the default marked, dependencies, descriptions; parameters; built-ins).</summary>
internal static class HelpWriter
{
    public static void Write(HostOutput output, TargetGraph graph, IReadOnlyList<ParameterDescriptor> parameters, object build, string buildName)
    {
        output.Line($"Usage: ./build.sh [targets] [options]      ({buildName})", Verbosity.Quiet);
        output.Line("", Verbosity.Quiet);
        output.Line("Targets (run in dependency order; 'after:' lists direct dependencies):", Verbosity.Quiet);
        var listed = graph.Targets.Where(target => !target.Definition.IsUnlisted).ToList();
        var width = listed.Select(Label).DefaultIfEmpty("").Max(label => label.Length) + 2;
        foreach (var target in listed)
        {
            var details = new List<string>();
            if (target.Description is { } description)
            {
                details.Add(description);
            }

            if (target.Dependencies.Count > 0)
            {
                details.Add("[after: " + string.Join(", ", target.Dependencies.Select(d => d.Name)) + "]");
            }

            if (target.Triggers.Count > 0)
            {
                details.Add("[triggers: " + string.Join(", ", target.Triggers.Select(t => t.Name)) + "]");
            }

            output.Line($"  {Label(target).PadRight(width)}{string.Join(" ", details)}".TrimEnd(), Verbosity.Quiet);
        }

        output.Line("", Verbosity.Quiet);
        output.Line("Parameters (also read from KILN_<NAME> or <NAME> environment variables):", Verbosity.Quiet);
        var rows = parameters.Select(parameter => (Usage: $"{parameter.OptionName} <{(parameter.IsSecret ? "secret" : ValueConverter.Describe(parameter.ValueType))}>", Text: Describe(parameter, build))).ToList();
        if (rows.Count == 0)
        {
            output.Line("  (none)", Verbosity.Quiet);
        }

        var parameterWidth = rows.Concat(BuiltInOptions.Descriptions.Select(d => (d.Usage, Text: d.Description))).Max(row => row.Usage.Length) + 2;
        foreach (var (usage, text) in rows)
        {
            output.Line($"  {usage.PadRight(parameterWidth)}{text}".TrimEnd(), Verbosity.Quiet);
        }

        output.Line("", Verbosity.Quiet);
        output.Line("Options:", Verbosity.Quiet);
        foreach (var (usage, description) in BuiltInOptions.Descriptions)
        {
            output.Line($"  {usage.PadRight(parameterWidth)}{description}", Verbosity.Quiet);
        }
    }

    private static string Label(ExecutableTarget target) => target.IsDefault ? $"{target.Name} (default)" : target.Name;

    private static string Describe(ParameterDescriptor parameter, object build)
    {
        var text = parameter.Description ?? "";
        if (parameter.IsSecret)
        {
            return (text + " (secret: redacted from the log)").Trim();
        }

        var value = parameter.ReadDefault(build);
        var shown = value switch
        {
            null => null,
            string s when s.Length == 0 => null,
            bool b => b ? "true" : null,
            System.Collections.IEnumerable list and not string => list.Cast<object>().Any() ? string.Join(' ', list.Cast<object>()) : null,
            TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
            Enum e => Names.Kebab(e.ToString()),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
        return shown is null ? text : $"{text} (default: {shown})".Trim();
    }
}
