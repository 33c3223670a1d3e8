using Kiln.Model;

namespace Kiln.Engine;

public enum BuildStatus
{
    /// <summary>Waiting for its dependencies or for a free build slot.</summary>
    Pending,

    Running,

    Built,

    /// <summary>Its inputs had not changed since the last build, so it did not run.</summary>
    UpToDate,

    Failed,

    /// <summary>Did not run because a dependency did not build.</summary>
    Skipped,

    Cancelled,
}

/// <summary>How one image × source build ended.</summary>
public sealed record BuildResult
{
    public required string Image { get; init; }

    public required string Source { get; init; }

    public string Name => $"{Image}.{Source}";

    public required BuildStatus Status { get; init; }

    /// <summary>Why it failed (already redacted), or why it was skipped.</summary>
    public string? Reason { get; init; }

    public string? Hint { get; init; }

    /// <summary>The failing exception, for the host's verbose mode; its message may hold secrets, print <see cref="Reason"/>.</summary>
    public Exception? Exception { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>How long each stage this build ran took, in stage order.</summary>
    public IReadOnlyDictionary<Stage, TimeSpan> StageDurations { get; init; } = new Dictionary<Stage, TimeSpan>();

    public IReadOnlyList<Artifact> Artifacts { get; init; } = [];

    public IReadOnlyList<StepTiming> Timings { get; init; } = [];

    public IReadOnlyList<CheckResult> Checks { get; init; } = [];

    /// <summary>True when the build completed or was already up to date: its artifacts can be used.</summary>
    public bool Succeeded => Status is BuildStatus.Built or BuildStatus.UpToDate;
}
