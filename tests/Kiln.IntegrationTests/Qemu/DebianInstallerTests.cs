using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Install;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// Debian's real installer (debian-installer-12-netboot-amd64) driven by Kiln: by kernel command line, and as an ISO
/// through keystrokes. Each test waits until the installer fetched preseed.cfg from Kiln's HTTP server (proof of the
/// keystrokes, the command line and the server), then stops the build: a full install cannot finish on machines whose
/// mirror lacks the installer's udebs. About 3.5 minutes for both under TCG.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class DebianInstallerTests
{
    private const string Images = "/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64";
    private const string Preseed = "d-i debian-installer/locale string en_US\nd-i keyboard-configuration/xkb-keymap select us\n";
    private const string Append = "auto=true priority=critical url=http://{{ http.ip }}:{{ http.port }}/preseed.cfg console=ttyS0,115200n8 no_timer_check";

    [Fact]
    public async Task The_netboot_installer_booted_by_kernel_and_append_fetches_its_preseed_from_kilns_http_server()
    {
        SkipUnlessInstallerInstalled();
        var config = Config(new QemuBaseConfig { Boot = new QemuKernelBootConfig { Kernel = $"{Images}/linux", Initrd = $"{Images}/initrd.gz", Append = Append } }, []);
        await AssertFetchesPreseedAsync(config, "di-kernel", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_netboot_installer_on_an_iso_driven_by_boot_command_fetches_its_preseed_from_kilns_http_server()
    {
        SkipUnlessInstallerInstalled();
        var ct = TestContext.Current.CancellationToken;
        var prepare = TestBuild.Context(new QemuSourceConfig { Base = new QemuBaseConfig { Bootstrap = new DebianBootstrapConfig() } }, type: "qemu");
        using var cleanup = new DeletedAtEnd(prepare.WorkDirectory);
        var iso = Path.Combine(prepare.WorkDirectory, "debian-installer.iso");
        await GrubIso.MakeAsync(prepare, $"{Images}/linux", $"{Images}/initrd.gz", iso, ct);
        var config = Config(new QemuBaseConfig { Iso = new QemuIsoConfig { Path = iso } }, GrubIso.BootCommand(Append));
        await AssertFetchesPreseedAsync(config, "di-iso", ct);
    }

    // .ci/packages installs it, so CI always runs these; a developer's machine may not have it.
    private static void SkipUnlessInstallerInstalled()
    {
        Assert.SkipUnless(File.Exists($"{Images}/linux"), "apt-get install debian-installer-12-netboot-amd64");
    }

    private static QemuSourceConfig Config(QemuBaseConfig baseConfig, IReadOnlyList<string> bootCommand) => new()
    {
        Base = baseConfig,
        DiskSize = "4G",
        Cpus = 2,
        Memory = 1024,
        Accelerator = QemuAccelerator.Tcg,
        BootWait = TimeSpan.FromSeconds(20),
        BootCommand = bootCommand,
        HttpContent = new Dictionary<string, string> { ["/preseed.cfg"] = Preseed },
        InstallTimeout = TimeSpan.FromMinutes(30),
        Verify = new QemuVerifyConfig { Enabled = false },
    };

    private static string ConsoleTail(BuildContext context)
    {
        var log = Path.Combine(context.WorkDirectory, "install-console.log");
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(30)) : "(no console log)";
    }

    private static async Task AssertFetchesPreseedAsync(QemuSourceConfig config, string image, CancellationToken ct)
    {
        var ledger = new MemoryLedger();
        var context = TestBuild.Context(config, type: "qemu", image: image, ledger: ledger);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);
        await using var pipeline = QemuTestEnvironment.Builder().CreatePipeline(context);
        var state = (QemuBuildState)pipeline.State;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = pipeline.RunAsync(Stage.Boot, stop.Token);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(15);
            while (!state.HttpRequests.Contains("GET /preseed.cfg 200") && !run.IsCompleted && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
            }

            Assert.False(run.IsCompleted, $"the build ended before the installer fetched its preseed: {(run.Exception?.InnerException as KilnException)?.Message}");
            Assert.True(state.HttpRequests.Contains("GET /preseed.cfg 200"), "no preseed.cfg request; the installer's console ended with:\n" + ConsoleTail(context));
            Assert.True(QemuTestEnvironment.QemuRunning($"kiln-{image}-install"));
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            await pipeline.CleanupAsync(CancellationToken.None);
        }

        Assert.Empty(ledger.Open);
        Assert.Null(state.HttpPort);
        Assert.False(QemuTestEnvironment.QemuRunning($"kiln-{image}-"));
    }
}
