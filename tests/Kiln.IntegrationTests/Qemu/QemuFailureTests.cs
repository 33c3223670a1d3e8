using Kiln.Builders.Qemu;
using Kiln.Diagnostics;
using Kiln.Model;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

[Collection(QemuCollection.Name)]
public sealed class QemuFailureTests
{
    [Fact]
    public async Task A_guest_that_never_answers_ssh_fails_with_the_console_tail_and_leaves_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new MemoryLedger();
        var context = TestBuild.Context(QemuTestEnvironment.Config(bootTimeout: TimeSpan.FromSeconds(3)), type: "qemu", image: "silent", ledger: ledger);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);
        await using var pipeline = QemuTestEnvironment.Builder().CreatePipeline(context);
        try
        {
            var error = await Assert.ThrowsAsync<KilnException>(() => pipeline.RunAsync(Stage.Publish, ct));
            Assert.Contains("did not answer within", error.Message, StringComparison.Ordinal);
            Assert.Contains("console", error.Hint, StringComparison.Ordinal);
        }
        finally
        {
            await pipeline.CleanupAsync(CancellationToken.None);
        }

        Assert.Empty(ledger.Open);
        Assert.False(QemuTestEnvironment.QemuRunning("kiln-silent-"));
        Assert.Empty(Directory.EnumerateFiles(context.WorkDirectory, "*.qcow2"));
    }

    [Fact]
    public async Task Cancelling_during_boot_stops_qemu_and_removes_the_overlay()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new MemoryLedger();
        var context = TestBuild.Context(QemuTestEnvironment.Config(), type: "qemu", image: "cancelled", ledger: ledger);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);
        await using var pipeline = QemuTestEnvironment.Builder().CreatePipeline(context);
        var state = (QemuBuildState)pipeline.State;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = pipeline.RunAsync(Stage.Publish, cancel.Token);
        // Cancel once QEMU is up (the base is cached by then), well before the guest can answer SSH.
        while (state.Machine is null && !run.IsCompleted)
        {
            await Task.Delay(100, ct);
        }

        Assert.True(QemuTestEnvironment.QemuRunning("kiln-cancelled-"));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await pipeline.CleanupAsync(CancellationToken.None);

        Assert.Empty(ledger.Open);
        Assert.False(QemuTestEnvironment.QemuRunning("kiln-cancelled-"));
        Assert.Empty(Directory.EnumerateFiles(context.WorkDirectory, "*.qcow2"));
    }
}
