using Kiln.Definitions;
using Kiln.Secrets;

namespace Kiln.Engine;

/// <summary>Everything about one image × source build that does not change while it runs.</summary>
public sealed record BuildContext
{
    public required string RunId { get; init; }

    public required ResolvedImage Image { get; init; }

    public required ResolvedSource Source { get; init; }

    /// <summary>Where finished artifacts go; written only when a stage completed whole.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Scratch space for this build, removed when it ends.</summary>
    public required string WorkDirectory { get; init; }

    public required IBuildLog Log { get; init; }

    public required ILedger Ledger { get; init; }

    public required IProgressSink Progress { get; init; }

    public required IInteraction Interaction { get; init; }

    public required IRedactor Redactor { get; init; }

    /// <summary>The provisioners and publishers this build may run, by type name: the catalog the build was started with.</summary>
    public required IBuildPlugins Plugins { get; init; }

    public OnErrorMode OnError { get; init; } = OnErrorMode.Cleanup;

    /// <summary>The manifest shared by every build of the run (the manifest publisher's default, and what incremental builds read).</summary>
    public string? ManifestPath { get; init; }

    public string BuildName => $"{Image.Name}.{Source.Name}";

    /// <summary>Only the name: the generated record text would print the image's variables, secrets included.</summary>
    public override string ToString() => BuildName;
}
