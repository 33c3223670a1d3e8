using Kiln.Builders.Qemu;
using Kiln.IntegrationTests.Publishers;
using Kiln.IntegrationTests.Ssh;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>A real qemu-img conversion of an overlay, whose progress must count the base the conversion reads.</summary>
public sealed class DiskConverterTests : IDisposable
{
    private const long BaseData = 8L << 20;
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-convert-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Progress_counts_the_whole_backing_chain_not_only_the_overlay()
    {
        var ct = TestContext.Current.CancellationToken;
        var baseDisk = Path.Combine(_root, "base.raw");
        await File.WriteAllBytesAsync(baseDisk, Random.Shared.GetItems<byte>(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), (int)BaseData), ct);
        var overlay = Path.Combine(_root, "overlay.qcow2");
        var create = await HostProcess.RunAsync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", baseDisk, "-F", "raw", overlay], cancellationToken: ct);
        Assert.True(create.ExitCode == 0, create.ToString());
        var progress = new RecordingProgress();
        var context = TestBuild.Context(QemuTestEnvironment.Config(), type: "qemu", workDirectory: _root) with { Progress = progress };

        await DiskConverter.ConvertAsync(context, await ConversionSource.MeasureAsync(context, overlay, "qcow2", ct), Path.Combine(_root, "out.qcow2"), "qcow2", [], ct);

        var task = Assert.Single(progress.Tasks);
        Assert.Equal("convert to out.qcow2", task.Description);
        Assert.InRange(task.Total!.Value, BaseData, BaseData + new FileInfo(overlay).Length + (1 << 20));
        Assert.Equal(task.Total, task.Advanced);
        Assert.True(task.Disposed);
    }
}
