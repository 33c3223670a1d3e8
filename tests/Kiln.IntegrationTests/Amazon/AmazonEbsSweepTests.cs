using Kiln.Builders.Amazon;
using Kiln.Engine;
using Kiln.IntegrationTests.Amazon.Fake;
using Kiln.Ledger;
using Kiln.Plugins;
using static Kiln.IntegrationTests.Amazon.AmazonTestBed;

namespace Kiln.IntegrationTests.Amazon;

/// <summary>A build that dies without cleaning up: its ledger records, or the run tag alone, are enough to clear the account.</summary>
public sealed class AmazonEbsSweepTests : IAsyncLifetime
{
    private AmazonTestBed _bed = null!;

    public async ValueTask InitializeAsync() => _bed = await StartAsync();

    public ValueTask DisposeAsync() => _bed.DisposeAsync();

    private FakeEc2Server Fake => _bed.Fake;

    [Theory]
    [InlineData("instance: running", "DescribeInstances")]
    [InlineData("image: pending", "CreateImage")]
    [InlineData("copy: pending", "CopyImage")]
    public async Task A_killed_build_is_swept_from_its_ledger_records_alone(string moment, string action)
    {
        var build = await KillAsync(action);
        Assert.NotEmpty(build.Ledger.Open);
        Assert.Contains(Fake.All<FakeInstance>(), i => Fake.InstanceState(i) != "terminated");

        var sweepers = Sweepers();
        foreach (var record in build.Ledger.Open.OrderBy(r => SweepRank(r.Kind)))
        {
            // A sweep runs in another process: the record is all it has. Running it twice must be harmless.
            await sweepers[record.Kind].SweepAsync(record, TestContext.Current.CancellationToken);
            await sweepers[record.Kind].SweepAsync(record, TestContext.Current.CancellationToken);
        }

        _bed.AssertNothingLeft(build, ledgerToo: false);
        Assert.True(moment.Length > 0);
    }

    [Fact]
    public async Task A_killed_build_on_a_disk_ledger_is_cleared_by_the_engine_sweep()
    {
        var directory = Directory.CreateTempSubdirectory("kiln-ledger-").FullName;
        try
        {
            var ledger = new DiskLedger(directory, "killed-run");
            var build = await KillAsync("CopyImage", ledger);
            Assert.Contains(ledger.Open, r => r.Kind == Ec2ResourceKinds.Instance);
            Assert.Contains(ledger.Open, r => r.Kind == Ec2ResourceKinds.Image);

            // The process that wrote the ledger is gone: same pid, another start time.
            var file = LedgerFile.Read(ledger.FilePath);
            (file with { Owner = file.Owner with { StartTicks = file.Owner.StartTicks + 1 } }).WriteAtomically(ledger.FilePath);
            var log = new Kiln.Testing.TestLog();
            var report = await new LedgerSweep(directory, Sweepers(), log)
                .RunAsync(TestContext.Current.CancellationToken);

            Assert.True(report.Complete, log.Text);
            Assert.Equal(ledger.Open.Count, report.Cleaned.Count);
            Assert.False(File.Exists(ledger.FilePath));
            _bed.AssertNothingLeft(build, ledgerToo: false);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_default_catalog_has_a_sweeper_for_every_EC2_kind()
    {
        var sweepers = PluginCatalog.Default.Sweepers;
        foreach (var kind in new[] { Ec2ResourceKinds.Instance, Ec2ResourceKinds.KeyPair, Ec2ResourceKinds.SecurityGroup, Ec2ResourceKinds.Image, Ec2ResourceKinds.Snapshot })
        {
            Assert.True(sweepers.ContainsKey(kind), kind);
        }

        // The catalog's instance (default patience) sweeps a real record too.
        var build = await KillAsync("CreateImage");
        var keyPair = Assert.Single(build.Ledger.Open, r => r.Kind == Ec2ResourceKinds.KeyPair);
        await sweepers[Ec2ResourceKinds.KeyPair].SweepAsync(keyPair, TestContext.Current.CancellationToken);
        Assert.Empty(Fake.All<FakeKeyPair>());
    }

    [Fact]
    public async Task Leftovers_of_dead_runs_are_found_by_their_tag_and_swept_while_finished_AMIs_stay()
    {
        var finished = _bed.NewBuild(_bed.Config());
        await RunAsync(finished, TestContext.Current.CancellationToken);
        var kept = Fake.All<FakeImage>().Where(i => i.OwnerId == FakeEc2Server.Account).Select(i => i.Id).Order().ToList();
        Assert.Equal(2, kept.Count);
        var killed = await KillAsync("CopyImage");
        var live = _bed.NewBuild(_bed.Config());
        var liveRun = live.Context.RunId;
        Assert.NotEqual(liveRun, killed.Context.RunId);

        var account = new Ec2Location(Home, null, Fake.Url);
        var leftovers = await Ec2Leftovers.FindAsync(account, FakeEc2Server.Regions, run => run != liveRun, _bed.FastSweep, TestContext.Current.CancellationToken);

        Assert.All(leftovers, r => Assert.Equal(killed.Context.RunId, r.Data["run"]));
        Assert.Contains(leftovers, r => r.Kind == Ec2ResourceKinds.Instance);
        Assert.Contains(leftovers, r => r.Kind == Ec2ResourceKinds.SecurityGroup);
        Assert.Contains(leftovers, r => r.Kind == Ec2ResourceKinds.KeyPair);
        Assert.Contains(leftovers, r => r.Kind == Ec2ResourceKinds.Image && r.Data["region"] == Home);
        Assert.Contains(leftovers, r => r.Kind == Ec2ResourceKinds.Image && r.Data["region"] == CopyRegion);
        Assert.DoesNotContain(leftovers, r => kept.Contains(r.Id));

        await Ec2Leftovers.SweepAsync(leftovers, Sweepers(), TestContext.Current.CancellationToken);

        Assert.All(Fake.All<FakeInstance>(), i => Assert.Equal("terminated", Fake.InstanceState(i)));
        Assert.Empty(Fake.All<FakeKeyPair>());
        Assert.Empty(Fake.All<FakeSecurityGroup>());
        Assert.Equal(kept, Fake.All<FakeImage>().Where(i => i.OwnerId == FakeEc2Server.Account).Select(i => i.Id).Order().ToList());
        var keptSnapshots = Fake.All<FakeImage>().Where(i => kept.Contains(i.Id)).SelectMany(i => i.Devices.Select(d => d.SnapshotId)).Order().ToList();
        Assert.Equal(keptSnapshots, Fake.All<FakeSnapshot>().Where(s => s.OwnerId == FakeEc2Server.Account).Select(s => s.Id).Order().ToList());
        Assert.Empty(await Ec2Leftovers.FindAsync(account, FakeEc2Server.Regions, run => run != liveRun, _bed.FastSweep, TestContext.Current.CancellationToken));
    }

    /// <summary>Runs a build until EC2 has answered <paramref name="action"/>, then stops it dead: no cleanup runs.</summary>
    private async Task<Build> KillAsync(string action, ILedger? ledger = null)
    {
        using var kill = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        _bed.Fake.Inject(new FakeEc2Fault
        {
            Action = action,
            When = c => action != "DescribeInstances" || c["InstanceId.1"] is not null,
            CallbackAfter = _ => kill.Cancel(),
        });
        var build = _bed.NewBuild(_bed.Config(), ledger);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync(build, kill.Token, cleanup: false));
        return build;
    }

    /// <summary>Every built-in sweeper (the build key's directory has one), with the EC2 ones at test patience.</summary>
    private IReadOnlyDictionary<string, IResourceSweeper> Sweepers() => PluginCatalog.Default.With(sweepers: Ec2Sweepers().Values).Sweepers;

    private Dictionary<string, IResourceSweeper> Ec2Sweepers()
    {
        var options = _bed.FastSweep;
        IResourceSweeper[] sweepers =
        [
            new Ec2InstanceSweeper(options), new Ec2SecurityGroupSweeper(options), new Ec2KeyPairSweeper(options),
            new Ec2ImageSweeper(options), new Ec2SnapshotSweeper(options),
        ];
        return sweepers.ToDictionary(s => s.Kind);
    }

    private static int SweepRank(string kind) => kind switch
    {
        Ec2ResourceKinds.Instance => 0,
        Ec2ResourceKinds.SecurityGroup => 1,
        Ec2ResourceKinds.KeyPair => 2,
        Ec2ResourceKinds.Image => 3,
        _ => 4,
    };
}
