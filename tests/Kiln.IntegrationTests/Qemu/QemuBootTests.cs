using Kiln.Builders.Qemu;
using Kiln.Model;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

[Collection(QemuCollection.Name)]
public sealed class QemuBootTests
{
    [Fact]
    public async Task Boot_stage_bootstraps_the_base_boots_it_to_ssh_and_cleanup_leaves_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new MemoryLedger();
        var context = TestBuild.Context(QemuTestEnvironment.Config(), type: "qemu", image: "boot-test", ledger: ledger);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);
        var builder = QemuTestEnvironment.Builder();
        await using var pipeline = builder.CreatePipeline(context);
        var state = (QemuBuildState)pipeline.State;
        int port;
        string overlay;
        try
        {
            await pipeline.RunAsync(Stage.Boot, ct);
            port = state.SshPort!.Value;
            overlay = state.OverlayPath!;
            Assert.True(File.Exists(overlay));
            Assert.StartsWith(QemuTestEnvironment.CacheDirectory, state.BaseImagePath, StringComparison.Ordinal);
            Assert.True(QemuTestEnvironment.QemuRunning("kiln-boot-test-build"));
            Assert.Contains("Linux version", await File.ReadAllTextAsync(state.SerialLogPath!, ct), StringComparison.Ordinal);
        }
        finally
        {
            await pipeline.CleanupAsync(CancellationToken.None);
        }

        Assert.Empty(ledger.Open);
        Assert.False(File.Exists(overlay));
        Assert.False(QemuTestEnvironment.QemuRunning("kiln-boot-test-build"));
    }
}
