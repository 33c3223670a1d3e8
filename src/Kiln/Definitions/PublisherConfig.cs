namespace Kiln.Definitions;

/// <summary>Base of every publisher's (post-processor's) typed configuration.</summary>
public abstract class PublisherConfig
{
    public IReadOnlyList<string> Only { get; init; } = [];

    public IReadOnlyList<string> Except { get; init; } = [];

    /// <summary>Keep the artifacts this publisher consumed in the build's output (Packer's keep_input_artifact).</summary>
    public bool KeepInputArtifact { get; init; } = true;
}
