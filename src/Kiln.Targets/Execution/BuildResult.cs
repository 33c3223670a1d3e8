namespace Kiln.Targets;

public enum BuildOutcome
{
    Succeeded,
    Failed,
    Aborted,
}

/// <summary>The outcome of a run: one result per planned target, in plan order.</summary>
public sealed record BuildResult(BuildOutcome Outcome, IReadOnlyList<TargetResult> Targets, TimeSpan Duration)
{
    public int ExitCode => Outcome == BuildOutcome.Succeeded ? ExitCodes.Success : ExitCodes.Failure;

    public TargetResult this[string name] => Targets.Single(result => Names.Normalize(result.Name) == Names.Normalize(name));
}
