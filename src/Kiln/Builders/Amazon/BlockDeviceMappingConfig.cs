using System.ComponentModel;

namespace Kiln.Builders.Amazon;

[Description("One volume of the build instance.")]
internal sealed class BlockDeviceMappingConfig
{
    [Description("Device name, for example /dev/xvda; the source AMI's root device name replaces its root volume.")]
    public required string DeviceName { get; init; }

    [Description("Size in GiB.")]
    public int? VolumeSize { get; init; }

    [Description("gp3, gp2, io1, io2, st1, sc1 or standard.")]
    public string? VolumeType { get; init; }

    public int? Iops { get; init; }

    public int? Throughput { get; init; }

    public bool DeleteOnTermination { get; init; } = true;

    public bool? Encrypted { get; init; }

    public string? SnapshotId { get; init; }
}
