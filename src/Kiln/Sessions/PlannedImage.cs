using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Sessions;

/// <summary>
/// One definition as the session schedules it, before its values are known. <see cref="Resolve"/> turns it into a
/// <see cref="ResolvedImage"/> once every image it depends on has built, given their results (artifacts included),
/// so <c>image.&lt;name&gt;.artifact.&lt;key&gt;</c> references can be bound.
/// </summary>
public sealed record PlannedImage
{
    public required string Name { get; init; }

    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>The sources to build, each its own build.</summary>
    public required IReadOnlyList<string> Sources { get; init; }

    public required Func<IReadOnlyDictionary<string, IReadOnlyList<BuildResult>>, CancellationToken, Task<ResolvedImage>> Resolve { get; init; }

    /// <summary>Sources the caller found up to date, with the artifacts of their last build; they are reported, not run.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Artifact>> UpToDate { get; init; } = new Dictionary<string, IReadOnlyList<Artifact>>();

    /// <summary>The fingerprint of a source's inputs, computed by the caller once the image is resolved; kept in <see cref="BuildState.Fingerprint"/>.</summary>
    public Func<ResolvedImage, ResolvedSource, string?>? Fingerprint { get; init; }
}
