namespace Kiln.Targets;

public enum TargetStatus
{
    Succeeded,

    /// <summary>A target without actions that only groups its dependencies.</summary>
    Collective,

    Skipped,

    Failed,

    /// <summary>Cancelled while running (Ctrl-C, SIGTERM).</summary>
    Aborted,

    /// <summary>Not started: an earlier failure stopped the build, a dependency failed, or the build was aborted.</summary>
    NotRun,
}
