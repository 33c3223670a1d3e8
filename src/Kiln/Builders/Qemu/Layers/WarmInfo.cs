namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// What <c>warm.json</c> says about one saved, booted machine: its disk at the moment it was saved (a qcow2 on top of
/// <see cref="Base"/>, a base image or a provisioning layer's disk) and its device and memory state, written by <see cref="Qemu"/>.
/// </summary>
internal sealed record WarmInfo
{
    public required string Key { get; init; }

    public required string Base { get; init; }

    /// <summary>The cached provisioning layer <see cref="Base"/> is the disk of, or null when it is a base image.</summary>
    public string? Layer { get; init; }

    /// <summary>The first line of <c>qemu-system-x86_64 --version</c> that saved the state; only the same QEMU loads it.</summary>
    public required string Qemu { get; init; }

    public required DateTimeOffset Created { get; init; }

    public required string DiskSha256 { get; init; }

    public required long DiskSize { get; init; }

    public required string StateSha256 { get; init; }

    public required long StateSize { get; init; }
}
