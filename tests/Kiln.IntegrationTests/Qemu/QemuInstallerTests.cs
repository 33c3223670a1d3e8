using System.Text.Json.Nodes;
using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Install;
using Kiln.Builders.Qemu.Steps;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// The whole installer flow under TCG with real parts: an ISO the test makes (GRUB waiting at its menu, Debian's
/// kernel, a busybox installer), keystrokes typed over QMP, an answer file and a disk image from Kiln's HTTP server,
/// then the usual build on the installed disk: boot, provision, capture, verify.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class QemuInstallerTests
{
    private const string RootPassword = "installer-test-password";

    private static readonly PluginCatalog Catalog = PluginCatalog.Default.With(provisioners: [new GuestCommandProvisioner()]);

    [Fact]
    public async Task Types_the_boot_command_into_an_iso_installer_serves_its_answers_then_provisions_captures_and_verifies_the_installed_disk()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new MemoryLedger();
        var log = new TestLog();
        var prepare = TestBuild.Context(new QemuSourceConfig { Base = new QemuBaseConfig { Bootstrap = new DebianBootstrapConfig() } }, type: "qemu", log: log);
        using (new DeletedAtEnd(prepare.WorkDirectory))
        {
            var installer = await TestInstaller.GetAsync(prepare, QemuTestEnvironment.CacheDirectory, ct);
            var isoDigest = await ImageDownloader.HashAsync(installer.Iso, ct);
            var config = new QemuSourceConfig
            {
                Base = new QemuBaseConfig { Iso = new QemuIsoConfig { Path = installer.Iso, Checksum = "sha256:" + isoDigest } },
                DiskSize = "4G",
                Cpus = 2,
                Memory = 1024,
                Accelerator = QemuAccelerator.Tcg,
                BootTimeout = TimeSpan.FromMinutes(20),
                SshTimeout = TimeSpan.FromMinutes(10),
                ShutdownTimeout = TimeSpan.FromMinutes(10),
                InstallTimeout = TimeSpan.FromMinutes(30),
                // GRUB's menu waits for ever; "c" opens its command line, where the kernel gets the answer file's URL.
                BootWait = TimeSpan.FromSeconds(20),
                BootCommand = GrubIso.BootCommand("console=ttyS0 no_timer_check kiln.answer=http://{{ http.ip }}:{{ http.port }}/answer.cfg"),
                HttpDirectory = Path.GetDirectoryName(installer.DiskImageGz),
                HttpContent = new Dictionary<string, string>
                {
                    ["/answer.cfg"] = $"DISK=/dev/vda\nIMAGE=http://{{{{ http.ip }}}}:{{{{ http.port }}}}/disk.img.gz\nHOSTNAME=kiln-installed\nROOT_PASSWORD={RootPassword}\n",
                },
            };
            var context = TestBuild.Context(
                config,
                type: "qemu",
                image: "installed",
                ledger: ledger,
                plugins: Catalog,
                log: log,
                provisioners: [GuestCommandConfig.Entry("echo provisioned > /srv/provisioned")],
                verify:
                [
                    GuestCommandConfig.Entry("test \"$(hostname)\" = kiln-installed"),
                    GuestCommandConfig.Entry("grep -q '^installed from http://10.0.2.2:[0-9]*/answer.cfg$' /etc/kiln-test-installer"),
                    GuestCommandConfig.Entry("grep -q '^root:\\$6\\$' /etc/shadow && grep -qx provisioned /srv/provisioned"),
                ]);
            using var cleanup = new DeletedAtEnd(context.WorkDirectory);
            string? disk;
            await using (var pipeline = new QemuBuilder(QemuTestEnvironment.CacheDirectory).CreatePipeline(context))
            {
                var state = (QemuBuildState)pipeline.State;
                IReadOnlyList<string> requests = [];
                try
                {
                    await pipeline.RunAsync(Stage.Publish, ct);
                    requests = state.HttpRequests;
                }
                finally
                {
                    disk = state.OverlayPath;
                    await pipeline.CleanupAsync(CancellationToken.None);
                }

                Assert.Equal(["GET /answer.cfg 200", "GET /disk.img.gz 200"], requests);
                Assert.Equal(3, state.Checks.Count(c => c.Passed && c.Check.Contains("guest-command", StringComparison.Ordinal)));
                Assert.Contains(state.Checks, c => c is { Check: CheckBuildKeyRemovedStep.CheckName, Passed: true });
                var artifact = Assert.Single(state.Artifacts);
                var info = JsonNode.Parse(await HostTool.RunAsync(context, "qemu-img", ["info", "--output=json", artifact.Outputs["qcow2"]], ct))!;
                Assert.Equal(4L << 30, info["virtual-size"]!.GetValue<long>());
                Assert.Null(info["backing-filename"]);
                await HostTool.RunAsync(context, "qemu-img", ["check", artifact.Outputs["qcow2"]], ct);
                Assert.StartsWith("kiln test installer: done", (await File.ReadAllLinesAsync(Path.Combine(context.WorkDirectory, "install-console.log"), ct))
                    .Select(l => l.Trim()).Last(l => l.StartsWith("kiln test installer", StringComparison.Ordinal)), StringComparison.Ordinal);
            }

            Assert.Empty(ledger.Open);
            Assert.False(File.Exists(disk));
            Assert.False(QemuTestEnvironment.QemuRunning("kiln-installed-"));
            Assert.DoesNotContain(RootPassword, log.Text, StringComparison.Ordinal);
        }
    }
}
