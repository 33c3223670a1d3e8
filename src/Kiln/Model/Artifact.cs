namespace Kiln.Model;

/// <summary>What a build or publisher produced, in the shape of Packer's manifest entries.</summary>
public sealed record Artifact
{
    /// <summary>Packer's builder_type, for example "qemu", "amazon-ebs", "docker".</summary>
    public required string BuilderType { get; init; }

    /// <summary>Packer's artifact_id, for example "us-east-1:ami-0123" or an image id.</summary>
    public required string Id { get; init; }

    public IReadOnlyList<ArtifactFile> Files { get; init; } = [];

    /// <summary>Named outputs other definitions can reference as <c>image.&lt;name&gt;.artifact.&lt;key&gt;</c>.</summary>
    public IReadOnlyDictionary<string, string> Outputs { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> CustomData { get; init; } = new Dictionary<string, string>();
}

public sealed record ArtifactFile(string Path, long Size, string? Sha256 = null);
