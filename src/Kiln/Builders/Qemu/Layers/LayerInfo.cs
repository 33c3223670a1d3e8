namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// What <c>layer.json</c> says about one cached provisioning layer: a qcow2 holding what steps up to <see cref="Step"/>
/// changed, on top of <see cref="Backing"/> (the layer of the step before, or the base image).
/// </summary>
internal sealed record LayerInfo
{
    public required string Key { get; init; }

    /// <summary>The key of the layer this one is on top of; null when it is on top of the base image.</summary>
    public string? Parent { get; init; }

    public required string Backing { get; init; }

    public required int Step { get; init; }

    public required int Steps { get; init; }

    public required DateTimeOffset Created { get; init; }

    public required string Sha256 { get; init; }

    public required long Size { get; init; }
}
