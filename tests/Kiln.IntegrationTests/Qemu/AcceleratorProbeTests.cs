using Kiln.Builders.Qemu;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

[Collection(QemuCollection.Name)]
public sealed class AcceleratorProbeTests
{
    [Fact]
    public async Task Auto_decides_by_booting_under_kvm_once_and_then_answers_from_the_cached_probe()
    {
        var ct = TestContext.Current.CancellationToken;
        var probeCache = Directory.CreateTempSubdirectory("kiln-probe-cache-").FullName;
        try
        {
            var config = new QemuSourceConfig { Base = QemuTestEnvironment.Config().Base, Accelerator = QemuAccelerator.Auto };
            var log = new TestLog();
            var ledger = new MemoryLedger();
            var context = TestBuild.Context(config, type: "qemu", image: "probe", ledger: ledger, log: log);
            using var cleanup = new DeletedAtEnd(context.WorkDirectory);
            var state = new QemuBuildState(context, config)
            {
                BaseImagePath = await new DebianBootstrapper(context, config.Base.Bootstrap!, new ImageCache(QemuTestEnvironment.CacheDirectory)).GetOrBuildAsync(ct),
                BaseImageFormat = "qcow2",
            };

            var first = await AcceleratorProbe.UseKvmAsync(state, new ImageCache(probeCache), ct);
            var second = await AcceleratorProbe.UseKvmAsync(state, new ImageCache(probeCache), ct);

            Assert.Equal(first, second);
            Assert.Empty(ledger.Open);
            Assert.False(QemuTestEnvironment.QemuRunning("kiln-kvm-probe"));
            var probes = Path.Combine(probeCache, "probes");
            if (Directory.Exists(probes))
            {
                Assert.Single(Directory.EnumerateFiles(probes, "kvm-*.json"));
                Assert.Contains(log.Lines, l => l.Contains("(cached probe)", StringComparison.Ordinal));
                if (!first)
                {
                    Assert.Contains(log.Lines, l => l.StartsWith("warn:", StringComparison.Ordinal) && l.Contains("Falling back to TCG", StringComparison.Ordinal));
                }
            }
            else
            {
                // No usable /dev/kvm: TCG without a probe.
                Assert.False(first);
                Assert.Contains(log.Lines, l => l.Contains("/dev/kvm is not available", StringComparison.Ordinal));
            }
        }
        finally
        {
            Directory.Delete(probeCache, recursive: true);
        }
    }
}
