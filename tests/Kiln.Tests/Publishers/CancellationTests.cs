using Kiln.Engine;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.Tests.Publishers;

/// <summary>Cancelled half-way, a publisher leaves no half-written file and no open ledger entry.</summary>
public sealed class CancellationTests
{
    public static TheoryData<string> Publishers => ["compress-zstd", "compress-gzip", "vagrant", "checksum"];

    [Theory]
    [MemberData(nameof(Publishers))]
    public async Task Cancelling_mid_file_leaves_nothing_behind(string which)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var progress = new CancelAfterProgress(cancel, afterBytes: 3L * 1024 * 1024);
        using var build = new PublishTestBuild(progress: progress);
        var disk = build.WriteFile("disk.qcow2", 16L * 1024 * 1024);
        // A qcow2 header so vagrant accepts the file; the rest is noise.
        await using (var stream = new FileStream(disk, FileMode.Open, FileAccess.Write))
        {
            stream.Write([(byte)'Q', (byte)'F', (byte)'I', 0xfb, 0, 0, 0, 3]);
            stream.Position = 24;
            stream.Write([0, 0, 0, 0, 0x40, 0, 0, 0]);
        }

        var (publisher, config) = which switch
        {
            "compress-zstd" => ((IPublisher)new CompressPublisher(), (Kiln.Definitions.PublisherConfig)new CompressConfig()),
            "compress-gzip" => (new CompressPublisher(), new CompressConfig { Format = CompressionFormat.Gzip }),
            "vagrant" => (new VagrantPublisher(), new VagrantConfig()),
            _ => (new ChecksumPublisher(), new ChecksumConfig()),
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            publisher.PublishAsync(config, build.State, [PublishTestBuild.ArtifactOf("qemu", "disk", disk)], cancel.Token));

        Assert.True(progress.Cancelled);
        Assert.Equal(["disk.qcow2"], Directory.GetFiles(build.Context.OutputDirectory).Select(Path.GetFileName));
        Assert.Empty(((MemoryLedger)build.Context.Ledger).Open);
    }

    private sealed class CancelAfterProgress(CancellationTokenSource cancel, long afterBytes) : IProgressSink, IProgressTask
    {
        private long _seen;

        public bool Cancelled { get; private set; }

        public IProgressTask Start(string description, long? total = null) => this;

        public void Advance(long amount)
        {
            if (Interlocked.Add(ref _seen, amount) >= afterBytes && !Cancelled)
            {
                Cancelled = true;
                cancel.Cancel();
            }
        }

        public void SetTotal(long total)
        {
        }

        public void Dispose()
        {
        }
    }
}
