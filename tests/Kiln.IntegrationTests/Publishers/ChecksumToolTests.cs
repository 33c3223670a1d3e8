using Kiln.Engine;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Publishers;

/// <summary>The checksum files are judged by the real coreutils tools.</summary>
public sealed class ChecksumToolTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sha256sum_and_sha512sum_verify_the_files_and_catch_a_changed_byte()
    {
        using var build = new PublishTestBuild();
        var disk = build.WriteFile("disk image.qcow2", 40L * 1024 * 1024 + 3, seed: 7);
        var odd = build.WriteFile("odd\\name.raw", 5000, seed: 8);
        var config = new ChecksumConfig { Types = [ChecksumType.Sha256, ChecksumType.Sha512] };

        var artifact = Assert.Single(await ((IPublisher)new ChecksumPublisher()).PublishAsync(
            config, build.State, [PublishTestBuild.ArtifactOf("qemu", "x", disk, odd)], Token));

        foreach (var (tool, key) in new[] { ("sha256sum", "sha256_file"), ("sha512sum", "sha512_file") })
        {
            var sums = artifact.Outputs[key];
            var check = await HostProcess.RunAsync(tool, ["-c", "--strict", sums], build.Context.OutputDirectory, cancellationToken: Token);
            Assert.True(check.ExitCode == 0, check.ToString());
            Assert.Contains("disk image.qcow2: OK", check.StandardOutput, StringComparison.Ordinal);
        }

        await using (var stream = new FileStream(disk, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = 20L * 1024 * 1024;
            var b = stream.ReadByte();
            stream.Position--;
            stream.WriteByte((byte)(b ^ 1));
        }

        var tampered = await HostProcess.RunAsync("sha256sum", ["-c", artifact.Outputs["sha256_file"]], build.Context.OutputDirectory, cancellationToken: Token);
        Assert.NotEqual(0, tampered.ExitCode);
        Assert.Contains("disk image.qcow2: FAILED", tampered.StandardOutput, StringComparison.Ordinal);
    }
}
