using System.Text;
using Kiln.Model;
using Spectre.Console;

namespace Kiln.Targets;

/// <summary>The table at the end: target, status, duration, note; drawn for a terminal, plain ASCII elsewhere.</summary>
internal static class SummaryWriter
{
    public static void Write(HostOutput output, BuildResult result)
    {
        if (output.Verbosity >= Verbosity.Minimal)
        {
            var terminal = output.Kind == HostKind.Terminal;
            var table = new Table { Border = terminal ? TableBorder.Rounded : TableBorder.Ascii };
            table.AddColumn("Target");
            table.AddColumn("Status");
            table.AddColumn(new TableColumn("Duration").RightAligned());
            table.AddColumn("Note");
            foreach (var target in result.Targets)
            {
                table.AddRow(
                    new Text(output.Redact(target.Name)),
                    new Text(target.Status.ToString(), terminal ? StatusStyle(target.Status) : Style.Plain),
                    new Text(target.Status is TargetStatus.Succeeded or TargetStatus.Failed or TargetStatus.Aborted ? Durations.Format(target.Duration) : ""),
                    new Text(output.Redact(OneLine(target.Note ?? ""))));
            }
            table.AddRow(new Text("Total"), new Text(""), new Text(Durations.Format(result.Duration)), new Text(""));
            output.Blank(Verbosity.Minimal);
            output.Render(table);
        }
        var style = new Style(result.Outcome == BuildOutcome.Succeeded ? Color.Green : Color.Red);
        output.Line(FinalLine(result), Verbosity.Quiet, output.Kind == HostKind.Terminal ? style : (Style?)null);
    }

    public static string FinalLine(BuildResult result) => result.Outcome switch
    {
        BuildOutcome.Succeeded => $"Build succeeded in {Durations.Format(result.Duration)}.",
        BuildOutcome.Aborted => $"Build aborted after {Durations.Format(result.Duration)}.",
        _ => $"Build failed in {Durations.Format(result.Duration)}: {string.Join(", ", result.Targets.Where(t => t.Status == TargetStatus.Failed).Select(t => t.Name))}.",
    };

    /// <summary>The same table in Markdown, appended to $GITHUB_STEP_SUMMARY.</summary>
    public static string Markdown(BuildResult result, SecretRedactor redactor)
    {
        var text = new StringBuilder();
        text.Append($"### {FinalLine(result)}\n\n");
        text.Append("| Target | Status | Duration | Note |\n");
        text.Append("| --- | --- | ---: | --- |\n");
        foreach (var target in result.Targets)
        {
            var duration = target.Status is TargetStatus.Succeeded or TargetStatus.Failed or TargetStatus.Aborted ? Durations.Format(target.Duration) : "";
            text.Append($"| {Cell(redactor.Redact(target.Name))} | {Icon(target.Status)} {target.Status} | {duration} | {Cell(redactor.Redact(OneLine(target.Note ?? "")))} |\n");
        }
        text.Append($"| **Total** | | {Durations.Format(result.Duration)} | |\n\n");
        return text.ToString();
    }

    private static string Icon(TargetStatus status) => status switch
    {
        TargetStatus.Succeeded or TargetStatus.Collective => "✅",
        TargetStatus.Failed => "❌",
        TargetStatus.Aborted => "⛔",
        TargetStatus.Skipped => "⏭️",
        _ => "➖",
    };

    private static Style StatusStyle(TargetStatus status) => status switch
    {
        TargetStatus.Succeeded or TargetStatus.Collective => new Style(Color.Green),
        TargetStatus.Failed or TargetStatus.Aborted => new Style(Color.Red),
        _ => new Style(Color.Grey),
    };

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length > 100 ? line[..97] + "..." : line;
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
