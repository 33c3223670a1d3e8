using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Steps;
using Kiln.Communicators;
using Kiln.Diagnostics;
using Kiln.IntegrationTests.Ssh;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// Builds from a stock cloud image (the stand-in: cloud-init only, no Kiln files, root locked) with a real cloud-init
/// reading Kiln's NoCloud seed, under TCG. The captured image is then booted with a seed of the test's own.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class CloudImageBuildTests
{
    [Fact]
    public async Task Builds_from_a_cloud_init_image_and_the_captured_image_runs_cloud_init_again_for_a_new_seed_without_kilns_user_or_key()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new MemoryLedger();
        var config = QemuTestEnvironment.Config(
            baseConfig: await StandInCloudImage.BaseAsync(ct),
            sshUsername: "builder",
            guestInit: GuestInit.CloudInit,
            cloudInit: new CloudInitConfig
            {
                UserData = "#cloud-config\nwrite_files:\n  - path: /etc/from-user-data\n    content: \"merged\\n\"\n",
                MetaData = "local-hostname: cloudy\n",
            });
        var log = new TestLog();
        var context = TestBuild.Context(
            config,
            type: "qemu",
            image: "cloudy",
            ledger: ledger,
            plugins: QemuTestEnvironment.Catalog,
            log: log,
            provisioners: [GuestCommandConfig.Entry("cloud-init status --wait --long; id -un > /srv/provisioned-as && grep -qx merged /etc/from-user-data && cloud-init status --wait")],
            verify: [GuestCommandConfig.Entry("test -s /srv/provisioned-as && test \"$(hostname)\" = cloudy")]);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);

        string disk;
        await using (var pipeline = QemuTestEnvironment.Builder().CreatePipeline(context))
        {
            await pipeline.RunAndCleanUpAsync(ct, log);
            var state = (QemuBuildState)pipeline.State;
            Assert.True(state.BuildUserRemoved);
            Assert.Contains(state.Checks, c => c is { Check: CheckBuildKeyRemovedStep.CheckName, Passed: true });
            disk = Assert.Single(state.Artifacts).Outputs["qcow2"];
        }

        Assert.Empty(ledger.Open);
        Assert.Empty(Directory.EnumerateDirectories(context.WorkDirectory, "*-seed"));

        // A machine made from the image, with a seed of its own: a different user, key and instance-id.
        var seedDirectory = Directory.CreateDirectory(Path.Combine(context.WorkDirectory, "own-seed")).FullName;
        using var key = await SshKeyPair.CreateAsync(Path.Combine(seedDirectory, "key"), "own-seed-key", ct);
        await File.WriteAllTextAsync(Path.Combine(seedDirectory, "user-data"), $"#cloud-config\nusers:\n  - name: tester\n    sudo: \"ALL=(ALL) NOPASSWD:ALL\"\n    ssh_authorized_keys: [\"{key.PublicKey.Trim()}\"]\n", ct);
        await File.WriteAllTextAsync(Path.Combine(seedDirectory, "meta-data"), "instance-id: own-seed-1\nlocal-hostname: again\n", ct);
        var seed = Path.Combine(seedDirectory, "seed.iso");
        await HostTool.RunAsync(context, "cloud-localds", [seed, Path.Combine(seedDirectory, "user-data"), Path.Combine(seedDirectory, "meta-data")], ct);
        var options = new QemuMachineOptions
        {
            Name = "kiln-cloudy-again",
            DiskPath = disk,
            DiskFormat = "qcow2",
            Cpus = 2,
            MemoryMiB = 1024,
            UseKvm = false,
            Snapshot = true,
            SeedImage = seed,
        };
        await using var machine = await QemuMachine.StartAsync(context, options, Path.Combine(context.WorkDirectory, "again-console.log"), ct);
        await machine.WaitForSshAsync(TimeSpan.FromMinutes(15), ct);
        await using var ssh = new SshCommunicator(
            new SshEndpoint("127.0.0.1", machine.SshPort, "tester", key.PrivateKeyPath) { Timeout = TimeSpan.FromMinutes(10) },
            log,
            new NullProgress());
        var output = new RecordingOutput();
        var result = await ssh.ExecuteAsync(
            new RemoteCommand(
                "cloud-init status --wait >/dev/null; cloud-init status; cat /var/lib/cloud/data/instance-id; hostname; " +
                "id builder >/dev/null 2>&1 && echo builder-exists; test -e /home/builder && echo builder-home; " +
                "grep -l 'kiln-' /root/.ssh/authorized_keys /home/*/.ssh/authorized_keys 2>/dev/null; " +
                "grep -rl builder /etc/sudoers.d 2>/dev/null; cat /srv/provisioned-as")
            { Sudo = true },
            output,
            ct);

        Assert.True(result.ExitCode == 0, string.Join("\n", output.Stdout.Concat(output.Stderr)));
        // The provisioner ran as root (sudo); the user it logged in as is gone.
        Assert.Equal(["status: done", "own-seed-1", "again", "root"], output.Stdout);
    }

    [Fact]
    public async Task A_cloud_image_that_never_gets_its_seed_fails_at_the_timeout_with_the_consoles_last_lines()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new MemoryLedger();
        var config = QemuTestEnvironment.Config(
            verify: false,
            sshTimeout: TimeSpan.FromMinutes(2),
            baseConfig: await StandInCloudImage.BaseAsync(ct),
            sshUsername: "builder",
            guestInit: GuestInit.Kiln); // fw_cfg only: the cloud image has nothing that reads it
        var context = TestBuild.Context(config, type: "qemu", image: "seedless", ledger: ledger, plugins: QemuTestEnvironment.Catalog);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);
        await using var pipeline = new QemuBuilder(QemuTestEnvironment.CacheDirectory).CreatePipeline(context);
        KilnException error;
        try
        {
            error = await Assert.ThrowsAsync<KilnException>(() => pipeline.RunAsync(Stage.Publish, ct));
        }
        finally
        {
            await pipeline.CleanupAsync(CancellationToken.None);
        }

        Assert.Contains("did not accept builder", error.Message, StringComparison.Ordinal);
        Assert.Contains("last console lines:", error.Message, StringComparison.Ordinal);
        Assert.Contains("console log is", error.Hint, StringComparison.Ordinal);
        Assert.Empty(ledger.Open);
        Assert.False(QemuTestEnvironment.QemuRunning("kiln-seedless-"));
    }
}
