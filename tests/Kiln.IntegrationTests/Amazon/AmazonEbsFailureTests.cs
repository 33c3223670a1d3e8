using Kiln.Diagnostics;
using Kiln.IntegrationTests.Amazon.Fake;
using static Kiln.IntegrationTests.Amazon.AmazonTestBed;

namespace Kiln.IntegrationTests.Amazon;

/// <summary>
/// For every step (and the EC2 call inside it that matters most), a failure there and a cancellation there:
/// afterwards the account holds no live instance, no temporary key pair or group, no AMI or snapshot of the run,
/// and the ledger holds nothing.
/// </summary>
public sealed class AmazonEbsFailureTests : IAsyncLifetime
{
    private AmazonTestBed _bed = null!;

    public async ValueTask InitializeAsync() => _bed = await StartAsync();

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    /// <summary>Step, and where in it: the action and which of its calls.</summary>
    public static TheoryData<string> Points { get; } =
    [
        "validate: DescribeRegions",
        "validate: AMI name check",
        "source AMI: DescribeImages",
        "network: DescribeSubnets",
        "key pair: ImportKeyPair",
        "security group: CreateSecurityGroup",
        "security group: AuthorizeSecurityGroupIngress",
        "instance: RunInstances",
        "instance: wait until running",
        "stop: StopInstances",
        "stop: ModifyInstanceAttribute",
        "image: CreateImage",
        "image: wait until available",
        "copy: CopyImage",
        "copy: wait until available",
        "share: ModifyImageAttribute",
        "commit: tag the artifact",
    ];

    [Theory]
    [MemberData(nameof(Points))]
    public async Task A_failure_at_any_step_leaves_nothing_behind(string point)
    {
        var fault = _bed.Fake.Inject(At(point, f => f with { ErrorCode = "UnauthorizedOperation", ErrorMessage = $"Injected at {point}." }));
        var build = _bed.NewBuild(_bed.Config());

        var error = await Assert.ThrowsAnyAsync<KilnException>(() => RunAsync(build, TestContext.Current.CancellationToken));

        Assert.Equal(1, fault.Fired);
        Assert.Contains($"Injected at {point}.", error.Message, StringComparison.Ordinal);
        Assert.Contains("permission", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(build.Log.Lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        _bed.AssertNothingLeft(build);
    }

    [Theory]
    [MemberData(nameof(Points))]
    public async Task A_cancellation_at_any_step_leaves_nothing_behind(string point)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        // Cancelled after EC2 acted but before its answer arrived: the hardest moment for cleanup.
        var fault = _bed.Fake.Inject(At(point, f => f with { CallbackAfter = _ => cancel.Cancel() }));
        var build = _bed.NewBuild(_bed.Config());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync(build, cancel.Token));

        Assert.Equal(1, fault.Fired);
        Assert.DoesNotContain(build.Log.Lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        _bed.AssertNothingLeft(build);
    }

    private FakeEc2Fault At(string point, Func<FaultSpec, FaultSpec> shape)
    {
        var source = _bed.SourceAmi;
        var spec = point switch
        {
            "validate: DescribeRegions" => new FaultSpec("DescribeRegions"),
            "validate: AMI name check" => new FaultSpec("DescribeImages", When: c => c["Filter.1.Name"] == "name"),
            "source AMI: DescribeImages" => new FaultSpec("DescribeImages", When: c => c["ImageId.1"] == source),
            "network: DescribeSubnets" => new FaultSpec("DescribeSubnets"),
            "key pair: ImportKeyPair" => new FaultSpec("ImportKeyPair"),
            "security group: CreateSecurityGroup" => new FaultSpec("CreateSecurityGroup"),
            "security group: AuthorizeSecurityGroupIngress" => new FaultSpec("AuthorizeSecurityGroupIngress"),
            "instance: RunInstances" => new FaultSpec("RunInstances"),
            "instance: wait until running" => new FaultSpec("DescribeInstances", When: c => c["InstanceId.1"] is not null),
            "stop: StopInstances" => new FaultSpec("StopInstances"),
            "stop: ModifyInstanceAttribute" => new FaultSpec("ModifyInstanceAttribute"),
            "image: CreateImage" => new FaultSpec("CreateImage"),
            "image: wait until available" => new FaultSpec("DescribeImages", When: c => c.Region == Home && c["ImageId.1"] is { } id && id != source),
            "copy: CopyImage" => new FaultSpec("CopyImage"),
            "copy: wait until available" => new FaultSpec("DescribeImages", When: c => c.Region == CopyRegion && c["ImageId.1"] is not null),
            "share: ModifyImageAttribute" => new FaultSpec("ModifyImageAttribute"),
            "commit: tag the artifact" => new FaultSpec("CreateTags", When: c => c.Mentions("kiln:artifact")),
            _ => throw new ArgumentOutOfRangeException(nameof(point), point, null),
        };
        var shaped = shape(spec);
        return new FakeEc2Fault
        {
            Action = shaped.Action,
            When = shaped.When,
            ErrorCode = shaped.ErrorCode,
            ErrorMessage = shaped.ErrorMessage,
            CallbackAfter = shaped.CallbackAfter,
        };
    }

    private sealed record FaultSpec(
        string Action,
        Func<FakeEc2Call, bool>? When = null,
        string? ErrorCode = null,
        string ErrorMessage = "",
        Action<FakeEc2Call>? CallbackAfter = null);
}
