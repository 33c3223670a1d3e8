using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Steps;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// firmware: uefi with secure_boot for real: OVMF's secboot code with Microsoft's keys enrolled, booting a bootstrapped
/// base whose chain is Debian's signed shim, signed GRUB and signed kernel. The guest itself reports Secure Boot on, at
/// the build and again at the verify boot of the captured disk.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class QemuSecureBootTests
{
    /// <summary>The SecureBoot EFI variable: four attribute bytes, then 1 when the firmware enforces Secure Boot.</summary>
    private const string SecureBootOn =
        "test \"$(od -An -tu1 /sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c | awk '{ print $NF }')\" = 1";

    private static readonly PluginCatalog Catalog = PluginCatalog.Default.With(provisioners: [new GuestCommandProvisioner()]);

    [Fact]
    public async Task A_signed_uefi_base_boots_with_secure_boot_enforced_and_its_captured_image_verifies_the_same_way()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new MemoryLedger();
        var source = QemuTestEnvironment.Config();
        var config = new QemuSourceConfig
        {
            Base = source.Base,
            DiskSize = source.DiskSize,
            Accelerator = source.Accelerator,
            Formats = source.Formats,
            BootTimeout = source.BootTimeout,
            SshTimeout = source.SshTimeout,
            ShutdownTimeout = source.ShutdownTimeout,
            Firmware = QemuFirmware.Uefi,
            SecureBoot = true,
        };
        var context = TestBuild.Context(
            config,
            type: "qemu",
            image: "secureboot",
            ledger: ledger,
            plugins: Catalog,
            provisioners: [GuestCommandConfig.Entry(SecureBootOn + " && echo secure-boot > /srv/booted-with")],
            verify: [GuestCommandConfig.Entry(SecureBootOn + " && grep -qx secure-boot /srv/booted-with && grep -q '\\[integrity\\]' /sys/kernel/security/lockdown")]);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);
        await using (var pipeline = new QemuBuilder(QemuTestEnvironment.CacheDirectory).CreatePipeline(context))
        {
            var state = (QemuBuildState)pipeline.State;
            try
            {
                await pipeline.RunAsync(Stage.Publish, ct);
            }
            finally
            {
                await pipeline.CleanupAsync(CancellationToken.None);
            }

            Assert.Single(state.Checks, c => c.Passed && c.Check.Contains("guest-command", StringComparison.Ordinal));
            Assert.Contains(state.Checks, c => c is { Check: CheckBuildKeyRemovedStep.CheckName, Passed: true });
            Assert.Contains("-uefi-signed-", state.BaseImagePath, StringComparison.Ordinal);
        }

        Assert.Empty(ledger.Open);
        Assert.False(QemuTestEnvironment.QemuRunning("kiln-secureboot-"));
    }
}
