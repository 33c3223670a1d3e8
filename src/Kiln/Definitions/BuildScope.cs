using Kiln.Model;

namespace Kiln.Definitions;

/// <summary>
/// What a build knows that a definition does not: the run, where each source's output goes, and what the
/// definitions this one depends on produced. <see cref="Symbolic"/> stands in for all of it during validation.
/// </summary>
public sealed record BuildScope
{
    public required string RunId { get; init; }

    /// <summary>Output directory of a source, by source name; used for <c>{{ build.output }}</c>.</summary>
    public required Func<string, string> OutputDirectory { get; init; }

    /// <summary>Artifacts of each dependency by image name; <c>image.&lt;name&gt;.artifact.&lt;key&gt;</c> reads their outputs.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Artifact>> Dependencies { get; init; } = new Dictionary<string, IReadOnlyList<Artifact>>();

    /// <summary>The moment <c>{{ timestamp }}</c> returns, the same everywhere in one run.</summary>
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Where <c>{{ uuid }}</c> comes from; fixed when fingerprinting, so a random name is not a changed input.</summary>
    public Func<Guid> NewUuid { get; init; } = Guid.NewGuid;

    /// <summary>True when values only known during a build are placeholders (validation, plans).</summary>
    public bool IsSymbolic { get; private init; }

    public static BuildScope Symbolic { get; } = new()
    {
        RunId = "<build.run_id>",
        OutputDirectory = _ => "<build.output>",
        IsSymbolic = true,
    };
}
