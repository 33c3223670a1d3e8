using Kiln.Builders.Amazon;
using Kiln.Diagnostics;
using Kiln.IntegrationTests.Amazon.Fake;
using Kiln.Provisioners;
using static Kiln.IntegrationTests.Amazon.AmazonTestBed;

namespace Kiln.IntegrationTests.Amazon;

public sealed class AmazonEbsBuildTests : IAsyncLifetime
{
    private AmazonTestBed _bed = null!;

    public async ValueTask InitializeAsync() => _bed = await StartAsync();

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    private FakeEc2Server Fake => _bed.Fake;

    [Fact]
    public async Task A_full_build_makes_tagged_shared_AMIs_in_every_region_and_leaves_no_temporary_resource()
    {
        var config = _bed.Config();
        var remote = Directory.CreateTempSubdirectory("kiln-amazon-remote-").FullName;
        var marker = Path.Combine(remote, "provisioned");
        var build = _bed.NewBuild(config, null, new ShellConfig { Inline = [$"echo \"provisioned by $KILN_SOURCE_TYPE\" > {marker}"] });

        await RunAsync(build, TestContext.Current.CancellationToken);

        // Provisioned over SSH with the imported build key, which the image then no longer trusts.
        Assert.Equal("provisioned by amazon-ebs\n", await File.ReadAllTextAsync(marker, TestContext.Current.CancellationToken));
        Directory.Delete(remote, recursive: true);
        Assert.DoesNotContain("ssh-ed25519", await File.ReadAllTextAsync(_bed.Sshd.AuthorizedKeysFile, TestContext.Current.CancellationToken), StringComparison.Ordinal);

        var artifact = Assert.Single(build.State.Artifacts);
        var images = Fake.All<FakeImage>().Where(i => i.OwnerId == FakeEc2Server.Account).ToList();
        Assert.Equal(2, images.Count);
        var home = Assert.Single(images, i => i.Region == Home);
        var copy = Assert.Single(images, i => i.Region == CopyRegion);
        Assert.Equal($"{Home}:{home.Id},{CopyRegion}:{copy.Id}", artifact.Id);
        Assert.Equal("amazon-ebs", artifact.BuilderType);
        Assert.Equal(home.Id, artifact.Outputs["ami"]);
        Assert.Equal(copy.Id, artifact.Outputs[$"ami.{CopyRegion}"]);
        Assert.Equal(home.Id, copy.SourceImageId);
        foreach (var image in images)
        {
            Assert.Equal("available", Fake.ImageState(image));
            Assert.Equal(config.AmiName, image.Name);
            Assert.Equal("debian", image.Tags["os"]);
            Assert.Equal(build.Context.RunId, image.Tags[Ec2ResourceKinds.RunTag]);
            Assert.Equal("true", image.Tags["kiln:artifact"]);
            Assert.Contains(ShareWith, image.LaunchUsers);
            Assert.True(image.EnaSupport);
            Assert.Equal(string.Join(",", image.Devices.Select(d => d.SnapshotId)), artifact.Outputs[$"snapshots.{image.Region}"]);
            Assert.All(image.Devices, d =>
            {
                var snapshot = Assert.Single(Fake.All<FakeSnapshot>(), s => s.Id == d.SnapshotId);
                Assert.Equal("root", snapshot.Tags["kind"]);
                Assert.Equal(build.Context.RunId, snapshot.Tags[Ec2ResourceKinds.RunTag]);
            });
        }

        // The instance ran with IMDSv2 required, the temporary key and group, and the run's tags.
        var instance = Assert.Single(Fake.All<FakeInstance>());
        Assert.Equal("terminated", Fake.InstanceState(instance));
        Assert.Equal("required", instance.HttpTokens);
        Assert.Equal(build.Context.RunId, instance.Tags[Ec2ResourceKinds.RunTag]);
        Assert.Equal("images", instance.Tags["team"]);
        Assert.Equal(16, instance.Volumes.Single(v => v.Device == "/dev/xvda").Size);
        Assert.Empty(Fake.All<FakeKeyPair>());
        Assert.Empty(Fake.All<FakeSecurityGroup>());
        Assert.Empty(build.Ledger.Open);

        var calls = Fake.Calls;
        var run = Assert.Single(calls, c => c.Action == "RunInstances");
        Assert.Equal("required", run["MetadataOptions.HttpTokens"]);
        Assert.Equal(SourceAmi(), run["ImageId"]);
        Assert.Equal(Convert.ToBase64String("#cloud-config\n{}\n"u8.ToArray()), run["UserData"]);
        Assert.True(run.Mentions(build.Context.RunId));
        var key = Assert.Single(calls, c => c.Action == "ImportKeyPair");
        Assert.StartsWith("ssh-ed25519 ", System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(key["PublicKeyMaterial"]!)), StringComparison.Ordinal);
        Assert.Equal(key["KeyName"], run["KeyName"]);
        var ingress = Assert.Single(calls, c => c.Action == "AuthorizeSecurityGroupIngress");
        Assert.Equal($"{PublicAddress}/32", ingress["IpPermissions.1.IpRanges.1.CidrIp"]);
        Assert.Equal(_bed.Sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ingress["IpPermissions.1.FromPort"]);
        Assert.DoesNotContain(calls, c => c.Mentions("0.0.0.0/0"));
        var copyCall = Assert.Single(calls, c => c.Action == "CopyImage");
        Assert.Equal(CopyRegion, copyCall.Region);
        Assert.Equal(Home, copyCall["SourceRegion"]);

        // What changes the account happens in this order; cleanup in reverse.
        string[] mutating =
        [
            "ImportKeyPair", "CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "RunInstances", "StopInstances",
            "ModifyInstanceAttribute", "CreateImage", "CopyImage", "ModifyImageAttribute", "CreateTags", "TerminateInstances",
            "DeleteSecurityGroup", "DeleteKeyPair",
        ];
        Assert.Equal(mutating, calls.Select(c => c.Action).Where(mutating.Contains).Distinct().ToArray());
        Assert.Equal(["us-east-1", "eu-west-1"], calls.Where(c => c.Action == "ModifyImageAttribute").Select(c => c.Region).Order().Reverse().ToArray());
        Assert.DoesNotContain(calls, c => c.Action is "DeregisterImage" or "DeleteSnapshot");
    }

    [Fact]
    public async Task Without_a_known_public_address_SSH_is_admitted_from_the_VPC_range_only_with_a_warning()
    {
        Fake.CheckIpAnswer = null;
        var build = _bed.NewBuild(_bed.Config(amiRegions: []));

        await RunAsync(build, TestContext.Current.CancellationToken);

        var ingress = Assert.Single(Fake.Calls, c => c.Action == "AuthorizeSecurityGroupIngress");
        Assert.Equal("172.31.0.0/16", ingress["IpPermissions.1.IpRanges.1.CidrIp"]);
        Assert.Null(ingress["IpPermissions.1.IpRanges.2.CidrIp"]);
        Assert.Contains(build.Log.Lines, l => l.StartsWith("warn:", StringComparison.Ordinal) && l.Contains("ssh_cidrs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Configured_ssh_cidrs_are_the_only_ones_admitted()
    {
        var build = _bed.NewBuild(_bed.Config(amiRegions: [], sshCidrs: ["192.0.2.10/32", "192.0.2.64/26"]));

        await RunAsync(build, TestContext.Current.CancellationToken);

        var ingress = Assert.Single(Fake.Calls, c => c.Action == "AuthorizeSecurityGroupIngress");
        Assert.Equal("192.0.2.10/32", ingress["IpPermissions.1.IpRanges.1.CidrIp"]);
        Assert.Equal("192.0.2.64/26", ingress["IpPermissions.1.IpRanges.2.CidrIp"]);
        Assert.DoesNotContain(Fake.Calls, c => c.Action == "DescribeRegions" && c.Mentions("checkip"));
    }

    [Fact]
    public async Task Throttled_calls_are_retried_with_one_line_per_retry()
    {
        Fake.Inject(new FakeEc2Fault { Action = "RunInstances", ErrorCode = "RequestLimitExceeded", Status = System.Net.HttpStatusCode.ServiceUnavailable, Times = 2 });
        var build = _bed.NewBuild(_bed.Config(amiRegions: []));

        await RunAsync(build, TestContext.Current.CancellationToken);

        Assert.Single(build.State.Artifacts);
        Assert.Equal(3, Fake.Calls.Count(c => c.Action == "RunInstances"));
        var retries = build.Log.Lines.Where(l => l.Contains("RequestLimitExceeded", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, retries.Count);
        Assert.All(retries, l => Assert.StartsWith("warn: EC2 RunInstances in us-east-1: RequestLimitExceeded", l, StringComparison.Ordinal));
        Assert.Single(Fake.All<FakeInstance>());
    }

    [Fact]
    public async Task Throttling_that_does_not_stop_fails_with_the_code_and_cleans_up()
    {
        Fake.Inject(new FakeEc2Fault { Action = "CreateImage", ErrorCode = "RequestLimitExceeded", Status = System.Net.HttpStatusCode.ServiceUnavailable, Times = 100 });
        var build = _bed.NewBuild(_bed.Config(amiRegions: []));

        var error = await Assert.ThrowsAsync<Ec2CallException>(() => RunAsync(build, TestContext.Current.CancellationToken));

        Assert.Equal("RequestLimitExceeded", error.ErrorCode);
        Assert.Contains("EC2 CreateImage in us-east-1 failed", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, Fake.Calls.Count(c => c.Action == "CreateImage"));
        _bed.AssertNothingLeft(build);
    }

    [Fact]
    public async Task Associate_public_ip_address_launches_through_a_network_interface_with_the_temporary_group()
    {
        var config = _bed.Config(amiRegions: []);
        var build = _bed.NewBuild(new AmazonEbsSourceConfig
        {
            Region = config.Region, Endpoint = config.Endpoint, AmiName = config.AmiName, SourceAmi = config.SourceAmi, CheckIpUrl = config.CheckIpUrl,
            SshHost = config.SshHost, SshPort = config.SshPort, SshUsername = config.SshUsername, Waits = config.Waits,
            AssociatePublicIpAddress = true, ImdsV2 = false, EnaSupport = false,
        });

        await RunAsync(build, TestContext.Current.CancellationToken);

        var run = Assert.Single(Fake.Calls, c => c.Action == "RunInstances");
        var group = Assert.Single(Fake.Calls, c => c.Action == "CreateSecurityGroup");
        Assert.Equal("true", run["NetworkInterface.1.AssociatePublicIpAddress"]);
        Assert.Equal("0", run["NetworkInterface.1.DeviceIndex"]);
        Assert.NotNull(run["NetworkInterface.1.SubnetId"]);
        Assert.Null(run["SubnetId"]);
        Assert.Null(run["SecurityGroupId.1"]);
        Assert.Equal("optional", run["MetadataOptions.HttpTokens"]);
        Assert.Equal(group["VpcId"], Assert.Single(Fake.All<FakeInstance>()).VpcId);
        Assert.DoesNotContain(Fake.Calls, c => c.Action == "ModifyInstanceAttribute");
        Assert.Empty(Fake.All<FakeSecurityGroup>());
    }

    [Fact]
    public async Task A_named_key_pair_is_used_as_given_and_never_deleted()
    {
        using var key = await _bed.Sshd.AuthorizedKeyAsync(TestContext.Current.CancellationToken);
        Fake.AddKeyPair(Home, "ops-key", key.PublicKey);
        var config = _bed.Config(amiRegions: []);
        var remote = Directory.CreateTempSubdirectory("kiln-amazon-remote-").FullName;
        var build = _bed.NewBuild(new AmazonEbsSourceConfig
        {
            Region = config.Region, Endpoint = config.Endpoint, AmiName = config.AmiName, SourceAmi = config.SourceAmi, CheckIpUrl = config.CheckIpUrl,
            SshHost = config.SshHost, SshPort = config.SshPort, SshUsername = config.SshUsername, Waits = config.Waits,
            SshKeypairName = "ops-key", SshPrivateKeyFile = key.PrivateKeyPath,
        }, null, new ShellConfig { Inline = [$"touch {remote}/ok"] });

        await RunAsync(build, TestContext.Current.CancellationToken);

        Assert.True(File.Exists(Path.Combine(remote, "ok")));
        Directory.Delete(remote, recursive: true);
        Assert.Equal("ops-key", Assert.Single(Fake.Calls, c => c.Action == "RunInstances")["KeyName"]);
        Assert.DoesNotContain(Fake.Calls, c => c.Action is "ImportKeyPair" or "DeleteKeyPair");
        Assert.Equal("ops-key", Assert.Single(Fake.All<FakeKeyPair>()).Name);
        Assert.Contains(key.PublicKeyBlob, await File.ReadAllTextAsync(_bed.Sshd.AuthorizedKeysFile, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancellation_while_provisioning_leaves_nothing_behind()
    {
        var remote = Directory.CreateTempSubdirectory("kiln-amazon-remote-").FullName;
        var started = Path.Combine(remote, "started");
        var build = _bed.NewBuild(_bed.Config(), null, new ShellConfig { Inline = [$"touch {started}", "sleep 120"] });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var running = RunAsync(build, cancel.Token);
        while (!File.Exists(started) && !running.IsCompleted)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);

        Directory.Delete(remote, recursive: true);
        Assert.Contains(build.State.Timings, t => t.Step == "provision" && t.Outcome == Kiln.Engine.StepOutcome.Cancelled);
        _bed.AssertNothingLeft(build);
    }

    [Fact]
    public async Task A_failing_provisioner_fails_the_build_and_leaves_nothing_behind()
    {
        var build = _bed.NewBuild(_bed.Config(), null, new ShellConfig { Inline = ["echo about to fail", "exit 3"] });

        var error = await Assert.ThrowsAnyAsync<KilnException>(() => RunAsync(build, TestContext.Current.CancellationToken));

        Assert.Contains("3", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Fake.Calls, c => c.Action is "StopInstances" or "CreateImage");
        _bed.AssertNothingLeft(build);
    }

    [Fact]
    public async Task An_AMI_name_in_use_fails_before_anything_is_created()
    {
        var first = _bed.NewBuild(_bed.Config(amiRegions: []));
        await RunAsync(first, TestContext.Current.CancellationToken);
        var name = ((AmazonEbsSourceConfig)first.Context.Source.Config).AmiName;
        var before = Fake.Calls.Count;

        var second = _bed.NewBuild(_bed.Config(amiName: name, amiRegions: []));
        var error = await Assert.ThrowsAsync<KilnException>(() => RunAsync(second, TestContext.Current.CancellationToken));

        Assert.Contains($"An AMI named '{name}' already exists in us-east-1", error.Message, StringComparison.Ordinal);
        Assert.Contains("force_deregister", error.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain(Fake.Calls.Skip(before), c => c.Action.StartsWith("Create", StringComparison.Ordinal) || c.Action == "RunInstances");
    }

    [Fact]
    public async Task Force_deregister_replaces_the_same_named_AMI_and_its_snapshots()
    {
        var first = _bed.NewBuild(_bed.Config(amiRegions: []));
        await RunAsync(first, TestContext.Current.CancellationToken);
        var name = ((AmazonEbsSourceConfig)first.Context.Source.Config).AmiName;
        var old = Assert.Single(Fake.All<FakeImage>(Home), i => i.Name == name);

        var second = _bed.NewBuild(_bed.Config(amiName: name, amiRegions: [], forceDeregister: true));
        await RunAsync(second, TestContext.Current.CancellationToken);

        var current = Assert.Single(Fake.All<FakeImage>(Home), i => i.Name == name);
        Assert.NotEqual(old.Id, current.Id);
        Assert.DoesNotContain(Fake.All<FakeSnapshot>(), s => old.Devices.Any(d => d.SnapshotId == s.Id));
    }

    [Fact]
    public async Task The_newest_of_several_filtered_source_AMIs_is_taken_only_with_most_recent()
    {
        var newest = Fake.AddSourceImage(Home, "debian-12-amd64-20260301-1", creationDate: "2026-03-01T00:00:00.000Z");
        Fake.AddSourceImage(Home, "debian-12-amd64-20260201-1", creationDate: "2026-02-01T00:00:00.000Z");
        var ambiguous = new SourceAmiFilterConfig { Filters = new Dictionary<string, string> { ["name"] = "debian-12-amd64-*" }, Owners = ["136693071363"] };

        var refused = _bed.NewBuild(_bed.Config(amiRegions: [], filter: ambiguous));
        var error = await Assert.ThrowsAsync<KilnException>(() => RunAsync(refused, TestContext.Current.CancellationToken));
        Assert.Contains("3 AMIs in us-east-1 match source_ami_filter", error.Message, StringComparison.Ordinal);
        Assert.Contains("most_recent", error.Hint, StringComparison.Ordinal);

        var none = new SourceAmiFilterConfig { Filters = new Dictionary<string, string> { ["name"] = "ubuntu-*" }, Owners = ["136693071363"] };
        var missing = await Assert.ThrowsAsync<KilnException>(() => RunAsync(_bed.NewBuild(_bed.Config(amiRegions: [], filter: none)), TestContext.Current.CancellationToken));
        Assert.Contains("No AMI in us-east-1 matches source_ami_filter (filters name=ubuntu-* and owners 136693071363)", missing.Message, StringComparison.Ordinal);

        var recent = new SourceAmiFilterConfig { Filters = ambiguous.Filters, Owners = ambiguous.Owners, MostRecent = true };
        var build = _bed.NewBuild(_bed.Config(amiRegions: [], filter: recent));
        await RunAsync(build, TestContext.Current.CancellationToken);
        Assert.Equal(newest, Assert.Single(Fake.All<FakeInstance>()).ImageId);
    }

    [Fact]
    public async Task The_security_group_is_deleted_once_the_instance_interface_is_gone()
    {
        await using var slow = await StartAsync(new FakeEc2Timing { NetworkInterfaceLinger = TimeSpan.FromSeconds(1) });
        var build = slow.NewBuild(slow.Config(amiRegions: []));

        await RunAsync(build, TestContext.Current.CancellationToken);

        Assert.True(slow.Fake.Calls.Count(c => c.Action == "DeleteSecurityGroup") > 1);
        Assert.Contains(build.Log.Lines, l => l.Contains("is still in use; retrying its deletion", StringComparison.Ordinal));
        Assert.Empty(slow.Fake.All<FakeSecurityGroup>());
        Assert.Empty(build.Ledger.Open);
        Assert.Single(build.State.Artifacts);
    }

    private string SourceAmi() => _bed.SourceAmi;
}
