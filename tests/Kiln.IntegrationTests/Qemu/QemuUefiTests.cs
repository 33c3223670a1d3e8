using System.Formats.Tar;
using System.Xml.Linq;
using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Steps;
using Kiln.Model;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>firmware: uefi for real: a bootstrapped base with an EFI system partition, booted by OVMF to build and again to verify the captured disk.</summary>
[Collection(QemuCollection.Name)]
public sealed class QemuUefiTests
{
    [Fact]
    public async Task A_uefi_bootstrapped_base_boots_under_ovmf_and_its_captured_image_verifies_under_uefi_with_fresh_variables()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new MemoryLedger();
        var config = QemuTestEnvironment.Config(formats: [DiskFormat.Qcow2, DiskFormat.Ova], firmware: QemuFirmware.Uefi);
        var context = TestBuild.Context(
            config,
            type: "qemu",
            image: "uefi",
            ledger: ledger,
            plugins: QemuTestEnvironment.Catalog,
            provisioners: [GuestCommandConfig.Entry("test -d /sys/firmware/efi && echo uefi > /srv/booted-with")],
            verify: [GuestCommandConfig.Entry("test -d /sys/firmware/efi && grep -qx uefi /srv/booted-with")]);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);
        await using (var pipeline = new QemuBuilder(QemuTestEnvironment.CacheDirectory).CreatePipeline(context))
        {
            var state = (QemuBuildState)pipeline.State;
            try
            {
                await pipeline.RunAsync(Stage.Publish, ct);
                // OVMF's boot manager prints what it boots; SeaBIOS never does.
                Assert.Contains("BdsDxe", await File.ReadAllTextAsync(Path.Combine(context.WorkDirectory, "verify-console.log"), ct), StringComparison.Ordinal);
            }
            finally
            {
                await pipeline.CleanupAsync(CancellationToken.None);
            }

            Assert.Single(state.Checks, c => c.Passed && c.Check.Contains("guest-command", StringComparison.Ordinal));
            Assert.Contains(state.Checks, c => c is { Check: CheckBuildKeyRemovedStep.CheckName, Passed: true });
            Assert.Contains("uefi-", state.BaseImagePath, StringComparison.Ordinal);
            Assert.Equal("efi", await OvfFirmwareAsync(Assert.Single(state.Artifacts).Outputs["ova"], ct));
        }

        Assert.Empty(ledger.Open);
        Assert.Empty(Directory.EnumerateFiles(context.WorkDirectory, "*-uefi-vars.fd"));
        Assert.False(QemuTestEnvironment.QemuRunning("kiln-uefi-"));
    }

    private static async Task<string?> OvfFirmwareAsync(string ova, CancellationToken ct)
    {
        await using var stream = File.OpenRead(ova);
        await using var reader = new TarReader(stream);
        var entry = (await reader.GetNextEntryAsync(copyData: true, ct))!;
        XNamespace vmw = "http://www.vmware.com/schema/ovf";
        var descriptor = await XDocument.LoadAsync(entry.DataStream!, LoadOptions.None, ct);
        return descriptor.Descendants(vmw + "Config").SingleOrDefault(e => e.Attribute(vmw + "key")?.Value == "firmware")?.Attribute(vmw + "value")?.Value;
    }
}
