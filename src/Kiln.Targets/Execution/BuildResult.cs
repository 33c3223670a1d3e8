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
    /// <summary>A target that found bad input (a <see cref="UsageException"/>) makes the whole run a usage error.</summary>
    public int ExitCode => Outcome switch
    {
        BuildOutcome.Succeeded => ExitCodes.Success,
        BuildOutcome.Failed when Targets.Any(target => target.Status == TargetStatus.Failed && target.Error is UsageException) => ExitCodes.Usage,
        _ => ExitCodes.Failure,
    };

    public TargetResult this[string name] => Targets.Single(result => Names.Normalize(result.Name) == Names.Normalize(name));
}
