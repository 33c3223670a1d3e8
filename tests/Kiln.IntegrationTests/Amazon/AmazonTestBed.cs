using Kiln.Builders.Amazon;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.IntegrationTests.Amazon.Fake;
using Kiln.Model;
using Kiln.Testing;
using Kiln.Testing.Sshd;

namespace Kiln.IntegrationTests.Amazon;

/// <summary>
/// A fake EC2 with a source AMI, and builds of amazon-ebs against it through the real SDK. "The instance" answers
/// SSH through a real sshd on 127.0.0.1 (ssh_host/ssh_port), which trusts a key pair's public key once an instance
/// launches with it, as cloud-init would.
/// </summary>
internal sealed class AmazonTestBed : IAsyncDisposable
{
    public const string Home = "us-east-1";
    public const string CopyRegion = "eu-west-1";
    public const string ShareWith = "111122223333";
    public const string PublicAddress = "198.51.100.7";

    static AmazonTestBed()
    {
        // The SDK's standard chain finds these; nothing here may reach a real AWS endpoint or instance metadata.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIAKILNTESTFAKE0001");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "kiln-fake-secret-for-the-fake-ec2-only");
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
    }

    private AmazonTestBed(FakeEc2Server fake, Sshd sshd, string sourceAmi)
    {
        Fake = fake;
        Sshd = sshd;
        SourceAmi = sourceAmi;
    }

    public FakeEc2Server Fake { get; }

    public Sshd Sshd { get; }

    public string SourceAmi { get; }

    public static async Task<AmazonTestBed> StartAsync(FakeEc2Timing? timing = null)
    {
        var fake = await FakeEc2Server.StartAsync(timing);
        var sshd = await Sshd.StartNewAsync(TestContext.Current.CancellationToken);
        fake.CheckIpAnswer = PublicAddress;
        fake.OnInstanceKey = key => File.AppendAllText(sshd.AuthorizedKeysFile, key + "\n");
        var source = fake.AddSourceImage(Home, "debian-12-amd64-20260101-1");
        return new AmazonTestBed(fake, sshd, source);
    }

    public AmazonWaitsConfig FastWaits { get; } = new()
    {
        PollInterval = TimeSpan.FromMilliseconds(50),
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        InstanceRunning = TimeSpan.FromMinutes(1),
        InstanceStopped = TimeSpan.FromMinutes(1),
        InstanceTerminated = TimeSpan.FromMinutes(1),
        ImageAvailable = TimeSpan.FromMinutes(1),
        SecurityGroupDelete = TimeSpan.FromMinutes(1),
    };

    public Ec2SweepOptions FastSweep => new()
    {
        PollInterval = TimeSpan.FromMilliseconds(50),
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        InstanceTerminated = TimeSpan.FromMinutes(1),
        SecurityGroupDelete = TimeSpan.FromMinutes(1),
    };

    public AmazonEbsSourceConfig Config(
        string? amiName = null,
        IReadOnlyList<string>? amiRegions = null,
        SourceAmiFilterConfig? filter = null,
        bool forceDeregister = false,
        IReadOnlyList<string>? sshCidrs = null,
        AmazonWaitsConfig? waits = null) => new()
        {
            Region = Home,
            Endpoint = Fake.Url,
            AmiName = amiName ?? $"kiln-test-{Guid.NewGuid():N}",
            AmiDescription = "built by a Kiln test",
            SourceAmi = filter is null ? SourceAmi : null,
            SourceAmiFilter = filter,
            AmiRegions = amiRegions ?? [CopyRegion],
            AmiUsers = [ShareWith],
            Tags = new Dictionary<string, string> { ["os"] = "debian", ["release"] = "12" },
            RunTags = new Dictionary<string, string> { ["team"] = "images" },
            SnapshotTags = new Dictionary<string, string> { ["kind"] = "root" },
            LaunchBlockDeviceMappings = [new BlockDeviceMappingConfig { DeviceName = "/dev/xvda", VolumeSize = 16, VolumeType = "gp3" }],
            UserData = "#cloud-config\n{}\n",
            ForceDeregister = forceDeregister,
            SshCidrs = sshCidrs ?? [],
            CheckIpUrl = Fake.Url + "/checkip",
            SshHost = Sshd.Host,
            SshPort = Sshd.Port,
            SshUsername = Sshd.Username,
            SshTimeout = TimeSpan.FromMinutes(1),
            MaxRetries = 3,
            Waits = waits ?? FastWaits,
        };

    /// <summary>Runs a build through every stage, then (unless it is "killed") its cleanup, as the engine does.</summary>
    public static async Task RunAsync(Build build, CancellationToken cancellationToken, bool cleanup = true)
    {
        try
        {
            await build.Pipeline.RunAsync(Stage.Publish, cancellationToken);
        }
        finally
        {
            if (cleanup)
            {
                await build.Pipeline.CleanupAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>Nothing of a build is left: no live instance, key pair, group, or the account's own AMI or snapshot.</summary>
    public void AssertNothingLeft(Build build, bool ledgerToo = true)
    {
        Assert.All(Fake.All<FakeInstance>(), i => Assert.Equal("terminated", Fake.InstanceState(i)));
        Assert.Empty(Fake.All<FakeKeyPair>());
        Assert.Empty(Fake.All<FakeSecurityGroup>());
        Assert.DoesNotContain(Fake.All<FakeImage>(), i => i.OwnerId == FakeEc2Server.Account);
        Assert.DoesNotContain(Fake.All<FakeSnapshot>(), s => s.OwnerId == FakeEc2Server.Account);
        if (ledgerToo)
        {
            Assert.Empty(build.Ledger.Open);
        }
    }

    public Build NewBuild(AmazonEbsSourceConfig config, ILedger? ledger = null, params ProvisionerConfig[] provisioners) =>
        new(config, Sshd.AuthorizedKeysFile, ledger, [.. provisioners.Select(p => new ResolvedPlugin<ProvisionerConfig>(p.GetType().Name.Replace("Config", "", StringComparison.Ordinal).ToLowerInvariant(), p, null))]);

    public async ValueTask DisposeAsync()
    {
        await Fake.DisposeAsync();
        await Sshd.DisposeAsync();
    }

    internal sealed class Build
    {
        public Build(AmazonEbsSourceConfig config, string authorizedKeysFile, ILedger? ledger, IReadOnlyList<ResolvedPlugin<ProvisionerConfig>> provisioners)
        {
            Context = TestBuild.Context(config, type: AmazonEbsBuilder.TypeName, ledger: ledger ?? Ledger, log: Log, provisioners: provisioners);
            Pipeline = new AmazonEbsBuilder([authorizedKeysFile]).CreatePipeline(Context);
        }

        public MemoryLedger Ledger { get; } = new();

        public TestLog Log { get; } = new();

        public BuildContext Context { get; }

        public IBuildPipeline Pipeline { get; }

        public AmazonEbsState State => (AmazonEbsState)Pipeline.State;
    }
}
