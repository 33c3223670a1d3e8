using System.ComponentModel;

namespace Kiln.Builders.Amazon;

[Description("Bounds and poll intervals of the waits on EC2 state changes.")]
internal sealed class AmazonWaitsConfig
{
    [Description("Until the build instance is running.")]
    public TimeSpan InstanceRunning { get; init; } = TimeSpan.FromMinutes(10);

    [Description("Until the build instance is stopped.")]
    public TimeSpan InstanceStopped { get; init; } = TimeSpan.FromMinutes(15);

    [Description("Until the build instance is terminated, during cleanup.")]
    public TimeSpan InstanceTerminated { get; init; } = TimeSpan.FromMinutes(15);

    [Description("Until the AMI and each copy are available.")]
    public TimeSpan ImageAvailable { get; init; } = TimeSpan.FromMinutes(60);

    [Description("Until the temporary security group can be deleted (the instance's network interface must be gone).")]
    public TimeSpan SecurityGroupDelete { get; init; } = TimeSpan.FromMinutes(5);

    [Description("First delay before retrying a throttled or transient EC2 call; it doubles with each retry.")]
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    [Description("Time between two polls.")]
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);
}
