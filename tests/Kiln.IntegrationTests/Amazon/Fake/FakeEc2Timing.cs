namespace Kiln.IntegrationTests.Amazon.Fake;

/// <summary>How long the fake's resources take to change state on their own.</summary>
internal sealed record FakeEc2Timing
{
    public TimeSpan InstancePending { get; init; } = TimeSpan.FromMilliseconds(300);

    public TimeSpan InstanceStopping { get; init; } = TimeSpan.FromMilliseconds(300);

    public TimeSpan InstanceShuttingDown { get; init; } = TimeSpan.FromMilliseconds(300);

    public TimeSpan ImagePending { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>How long a terminated instance's network interface still holds its security groups.</summary>
    public TimeSpan NetworkInterfaceLinger { get; init; } = TimeSpan.FromMilliseconds(400);
}
