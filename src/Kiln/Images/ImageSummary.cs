using System.Globalization;
using System.Text;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Images;

/// <summary>The table a run ends with: every image × source, its status, how long each stage took, and why it did not build.</summary>
public static class ImageSummary
{
    private static readonly Stage[] Stages = Enum.GetValues<Stage>();

    public static string Render(IReadOnlyList<BuildResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        string[] header = ["build", "status", .. Stages.Select(s => s.ToString().ToLowerInvariant()), "total", "note"];
        var rows = results.Select(r => (string[])
        [
            r.Name,
            r.Status == BuildStatus.UpToDate ? "up to date" : r.Status.ToString().ToLowerInvariant(),
            .. Stages.Select(s => r.StageDurations.TryGetValue(s, out var d) ? Format(d) : "-"),
            r.Status is BuildStatus.UpToDate or BuildStatus.Skipped ? "-" : Format(r.Duration),
            Note(r),
        ]).ToList();

        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        Line(text, header, widths);
        Line(text, [.. widths.Select(w => new string('-', w))], widths);
        foreach (var row in rows)
        {
            Line(text, row, widths);
        }

        return text.ToString().TrimEnd();
    }

    private static string Note(BuildResult result) => result.Status switch
    {
        BuildStatus.UpToDate => "inputs unchanged since the last build (--force rebuilds)",
        _ => result.Reason ?? "",
    };

    private static void Line(StringBuilder text, IReadOnlyList<string> cells, int[] widths)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            var last = i == cells.Count - 1;
            text.Append(last ? cells[i] : cells[i].PadRight(widths[i] + 2));
        }

        text.AppendLine();
    }

    private static string Format(TimeSpan duration) =>
        duration.TotalMinutes >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes}m{duration.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0}s");
}
