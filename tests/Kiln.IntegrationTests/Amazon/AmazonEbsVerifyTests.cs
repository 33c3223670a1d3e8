using Kiln.Builders.Amazon;
using Kiln.Diagnostics;
using Kiln.IntegrationTests.Amazon.Fake;
using Kiln.Provisioners;
using static Kiln.IntegrationTests.Amazon.AmazonTestBed;

namespace Kiln.IntegrationTests.Amazon;

/// <summary>
/// verify: on amazon-ebs. The fake EC2 launches an instance from the built AMI, reachable over SSH like the build
/// instance (a real sshd that trusts the instance's key pair); the checks run there through the real SSH communicator.
/// Whatever happens, the verify instance and its key pair are gone afterwards and the ledger is empty.
/// </summary>
public sealed class AmazonEbsVerifyTests : IAsyncLifetime
{
    private AmazonTestBed _bed = null!;

    public async ValueTask InitializeAsync() => _bed = await StartAsync();

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    public static TheoryData<string> Points { get; } =
    [
        "verify key pair: ImportKeyPair",
        "verify instance: RunInstances",
        "verify instance: wait until running",
    ];

    [Fact]
    public async Task Passing_checks_run_on_an_instance_of_the_new_ami_which_is_then_terminated_with_its_key_pair()
    {
        var marker = Path.Combine(_bed.Sshd.Directory, $"verified-{Guid.NewGuid():N}");
        var build = _bed.NewVerifiedBuild(_bed.Config(), new ShellConfig { Inline = [$"echo \"checked by $KILN_SOURCE_TYPE\" > {marker}"] });

        await RunAsync(build, TestContext.Current.CancellationToken);

        var ami = build.State.Images[Home];
        var instances = _bed.Fake.All<FakeInstance>().ToList();
        var buildInstance = Assert.Single(instances, i => i.ImageId == _bed.SourceAmi);
        var verifyInstance = Assert.Single(instances, i => i.ImageId == ami);
        Assert.Equal(buildInstance.SubnetId, verifyInstance.SubnetId);
        Assert.Equal(buildInstance.SecurityGroupIds, verifyInstance.SecurityGroupIds);
        Assert.NotEqual(buildInstance.KeyName, verifyInstance.KeyName);
        Assert.All(instances, i => Assert.Equal("terminated", _bed.Fake.InstanceState(i)));
        Assert.Empty(_bed.Fake.All<FakeKeyPair>());
        Assert.Empty(build.Ledger.Open);
        Assert.Equal("checked by amazon-ebs\n", await File.ReadAllTextAsync(marker, TestContext.Current.CancellationToken));
        Assert.Contains(build.State.Checks, c => c.Passed);
        var artifact = Assert.Single(build.State.Artifacts);
        Assert.Equal(ami, artifact.Outputs["ami"]);
        Assert.Contains(_bed.Fake.All<FakeImage>(), i => i.Id == ami);
    }

    [Fact]
    public async Task A_failing_check_fails_the_build_deregisters_every_ami_and_publishes_nothing()
    {
        var build = _bed.NewVerifiedBuild(_bed.Config(), new ShellConfig { Inline = ["echo the image is broken", "exit 3"] });

        var error = await Assert.ThrowsAnyAsync<KilnException>(() => RunAsync(build, TestContext.Current.CancellationToken));

        Assert.Contains("1 of 1 verify checks failed", error.Message, StringComparison.Ordinal);
        Assert.Contains(_bed.Fake.All<FakeInstance>(), i => i.ImageId != _bed.SourceAmi);
        Assert.Empty(build.State.Artifacts);
        Assert.Contains(build.Log.Lines, l => l.Contains("on_verify_failure: deregister", StringComparison.Ordinal));
        _bed.AssertNothingLeft(build);
    }

    [Fact]
    public async Task With_keep_a_failing_check_keeps_the_amis_but_no_instance_key_pair_or_artifact()
    {
        var build = _bed.NewVerifiedBuild(_bed.Config(onVerifyFailure: VerifyFailureAction.Keep), new ShellConfig { Inline = ["exit 3"] });

        await Assert.ThrowsAnyAsync<KilnException>(() => RunAsync(build, TestContext.Current.CancellationToken));

        Assert.Equal(2, _bed.Fake.All<FakeImage>().Count(i => i.OwnerId == FakeEc2Server.Account));
        Assert.All(_bed.Fake.All<FakeInstance>(), i => Assert.Equal("terminated", _bed.Fake.InstanceState(i)));
        Assert.Empty(_bed.Fake.All<FakeKeyPair>());
        Assert.Empty(_bed.Fake.All<FakeSecurityGroup>());
        Assert.Empty(build.State.Artifacts);
        Assert.Empty(build.Ledger.Open);
    }

    [Theory]
    [MemberData(nameof(Points))]
    public async Task A_failure_at_any_verify_step_leaves_nothing_behind(string point)
    {
        var fault = _bed.Fake.Inject(At(point, errorMessage: $"Injected at {point}."));
        var build = _bed.NewVerifiedBuild(_bed.Config(), new ShellConfig { Inline = ["true"] });

        var error = await Assert.ThrowsAnyAsync<KilnException>(() => RunAsync(build, TestContext.Current.CancellationToken));

        Assert.Equal(1, fault.Fired);
        Assert.Contains($"Injected at {point}.", error.Message, StringComparison.Ordinal);
        Assert.Empty(build.State.Artifacts);
        _bed.AssertNothingLeft(build);
    }

    [Theory]
    [MemberData(nameof(Points))]
    [InlineData("verify: while a check runs")]
    public async Task A_cancellation_at_any_verify_step_leaves_nothing_behind(string point)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var started = Path.Combine(_bed.Sshd.Directory, $"check-started-{Guid.NewGuid():N}");
        FakeEc2Fault? fault = null;
        if (point.StartsWith("verify: ", StringComparison.Ordinal))
        {
            _ = Task.Run(async () =>
            {
                while (!File.Exists(started) && !cancel.IsCancellationRequested)
                {
                    await Task.Delay(50, TestContext.Current.CancellationToken);
                }

                await cancel.CancelAsync();
            }, TestContext.Current.CancellationToken);
        }
        else
        {
            // Cancelled after EC2 acted but before its answer arrived: the hardest moment for cleanup.
            fault = _bed.Fake.Inject(At(point, callbackAfter: _ => cancel.Cancel()));
        }

        var build = _bed.NewVerifiedBuild(_bed.Config(), new ShellConfig { Inline = [$"touch {started}", "sleep 120"] });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync(build, cancel.Token));

        Assert.True(fault is null || fault.Fired == 1);
        Assert.Empty(build.State.Artifacts);
        _bed.AssertNothingLeft(build);
    }

    /// <summary>The verify steps make the build's second call of each action: the first belongs to the build instance.</summary>
    private FakeEc2Fault At(string point, string? errorMessage = null, Action<FakeEc2Call>? callbackAfter = null)
    {
        var source = _bed.SourceAmi;
        var fake = _bed.Fake;
        var (action, skip, when) = point switch
        {
            "verify key pair: ImportKeyPair" => ("ImportKeyPair", 1, (Func<FakeEc2Call, bool>?)null),
            "verify instance: RunInstances" => ("RunInstances", 1, null),
            "verify instance: wait until running" => ("DescribeInstances", 0, c => c["InstanceId.1"] is { } id && fake.All<FakeInstance>().Any(i => i.Id == id && i.ImageId != source)),
            _ => throw new ArgumentOutOfRangeException(nameof(point), point, null),
        };
        return new FakeEc2Fault
        {
            Action = action,
            Skip = skip,
            When = when,
            ErrorCode = errorMessage is null ? null : "UnauthorizedOperation",
            ErrorMessage = errorMessage ?? "Injected fault.",
            CallbackAfter = callbackAfter,
        };
    }
}
