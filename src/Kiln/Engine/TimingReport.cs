using System.Globalization;
using System.Text;
using Kiln.Model;

namespace Kiln.Engine;

/// <summary>The per-step timing table printed at the end of each build.</summary>
public static class TimingReport
{
    public static IReadOnlyList<string> Format(IReadOnlyList<StepTiming> timings, Func<TimeSpan, string>? duration = null)
    {
        ArgumentNullException.ThrowIfNull(timings);
        duration ??= Durations.Format;
        if (timings.Count == 0)
        {
            return [];
        }

        var stageWidth = timings.Max(t => t.Stage.ToString().Length);
        var stepWidth = Math.Max(timings.Max(t => t.Step.Length), "total".Length);
        var lines = new List<string>();
        foreach (var timing in timings)
        {
            var outcome = timing.Outcome == StepOutcome.Succeeded ? "" : $"  ({timing.Outcome.ToString().ToLowerInvariant()})";
            lines.Add(Row(timing.Stage.ToString().ToLowerInvariant(), stageWidth, timing.Step, stepWidth, duration(timing.Duration)) + outcome);
        }

        var total = timings.Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Duration);
        lines.Add(Row("", stageWidth, "total", stepWidth, duration(total)));
        return lines;
    }

    private static string Row(string stage, int stageWidth, string step, int stepWidth, string time) =>
        new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"  {stage.PadRight(stageWidth)}  {step.PadRight(stepWidth)}  {time,8}")
            .ToString();
}
