using System.Text.RegularExpressions;
using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Steps;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Testing;
using Kiln.Testing.Sshd;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// A whole QEMU build whose SSH sessions go through a jump host: a real OpenSSH sshd on this host plays the bastion
/// (key login, LogLevel DEBUG1 so it logs every direct-tcpip forward), and the machine's forwarded SSH port on
/// 127.0.0.1 is the target the bastion connects to, as it would be for a bastion next to the hypervisor.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed partial class QemuBastionBuildTests
{
    private static readonly PluginCatalog Catalog = PluginCatalog.Default.With(provisioners: [new GuestCommandProvisioner()]);

    [Fact]
    public async Task Boots_provisions_captures_and_verifies_with_every_session_forwarded_by_the_bastion()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bastion = await Sshd.CreateAsync(ct);
        bastion.PrependedConfig = "LogLevel DEBUG1\n";
        await bastion.StartAsync(ct);
        using var bastionKey = await bastion.AuthorizedKeyAsync(ct);

        var ledger = new MemoryLedger();
        var log = new TestLog();
        var config = new QemuSourceConfig
        {
            Base = new QemuBaseConfig { Bootstrap = new DebianBootstrapConfig { Suite = "bookworm" } },
            DiskSize = "4G",
            Cpus = 2,
            Memory = 1024,
            Accelerator = QemuAccelerator.Tcg,
            BootTimeout = TimeSpan.FromMinutes(20),
            SshTimeout = TimeSpan.FromMinutes(10),
            ShutdownTimeout = TimeSpan.FromMinutes(10),
            SshBastionHost = bastion.Host,
            SshBastionPort = bastion.Port,
            SshBastionUsername = bastion.Username,
            SshBastionPrivateKeyFile = bastionKey.PrivateKeyPath,
        };
        var context = TestBuild.Context(
            config,
            type: "qemu",
            image: "bastioned",
            ledger: ledger,
            plugins: Catalog,
            log: log,
            provisioners: [GuestCommandConfig.Entry("echo through-the-bastion > /srv/provisioned")],
            verify: [GuestCommandConfig.Entry("grep -qx through-the-bastion /srv/provisioned")]);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);

        await using (var pipeline = new QemuBuilder(QemuTestEnvironment.CacheDirectory).CreatePipeline(context))
        {
            try
            {
                await pipeline.RunAsync(Stage.Publish, ct);
            }
            finally
            {
                await pipeline.CleanupAsync(CancellationToken.None);
            }

            var state = (QemuBuildState)pipeline.State;
            Assert.Contains(state.Checks, c => c is { Check: CheckBuildKeyRemovedStep.CheckName, Passed: true });
            Assert.Contains(state.Checks, c => c.Passed && c.Check.Contains("guest-command", StringComparison.Ordinal));
            Assert.Single(state.Artifacts);
        }

        // The build machine and the verify machine each had their own forwarded port; the bastion opened a
        // direct-tcpip channel to each of them at 127.0.0.1, so every session (provisioning, capture, checks) went
        // through it. The jump host saw the forward only: the session inside is end to end encrypted.
        var ports = SshWaitLine().Matches(log.Text).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, ports.Count);
        foreach (var port in ports)
        {
            Assert.Contains($"target 127.0.0.1 port {port}", bastion.Log, StringComparison.Ordinal);
        }

        Assert.Contains($"Accepted publickey for {bastion.Username}", bastion.Log, StringComparison.Ordinal);
        Assert.Empty(ledger.Open);
        Assert.False(QemuTestEnvironment.QemuRunning("kiln-bastioned-"));
    }

    [GeneratedRegex(@"waiting for SSH on 127\.0\.0\.1:(\d+)")]
    private static partial Regex SshWaitLine();
}
