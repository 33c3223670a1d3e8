using Kiln.Model;

namespace Kiln.Engine;

public sealed record StepTiming(string Step, Stage Stage, TimeSpan Duration, StepOutcome Outcome);

public enum StepOutcome
{
    Succeeded,
    Failed,
    Cancelled,
    Skipped,
}
