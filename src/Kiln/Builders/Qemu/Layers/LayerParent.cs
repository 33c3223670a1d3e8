namespace Kiln.Builders.Qemu.Layers;

/// <summary>What a new layer goes on top of: the layer of the step before (<see cref="Key"/> set) or the base image.</summary>
internal sealed record LayerParent(string? Key, string Path, string Format)
{
    /// <summary>The sealed disk is not directly on <see cref="Path"/> but on a warm boot's disk over it, which the layer must take in.</summary>
    public bool Flatten { get; init; }
}
