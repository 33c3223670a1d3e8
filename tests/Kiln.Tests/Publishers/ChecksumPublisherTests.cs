using System.Security.Cryptography;
using Kiln.Engine;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.Tests.Publishers;

public sealed class ChecksumPublisherTests
{
    private static readonly IPublisher Manifest = new ManifestPublisher();

    private readonly IPublisher _publisher = new ChecksumPublisher();

    [Fact]
    public async Task Writes_sha256_and_sha512_files_with_the_digests_of_every_input_file()
    {
        using var build = new PublishTestBuild();
        var disk = build.WriteFile("disk.qcow2", 3 * 1024 * 1024 + 17, seed: 1);
        var kernel = build.WriteFile("boot/vmlinuz", 12345, seed: 2);
        var config = new ChecksumConfig { Types = [ChecksumType.Sha256, ChecksumType.Sha512], Output = "sums/SUMS.{type}" };

        var outputs = await _publisher.PublishAsync(
            config, build.State, [PublishTestBuild.ArtifactOf("qemu", "x", disk, kernel)], TestContext.Current.CancellationToken);

        var artifact = Assert.Single(outputs);
        Assert.Equal("checksum", artifact.BuilderType);
        Assert.Equal(2, artifact.Files.Count);
        var sums = Path.Combine(Path.GetDirectoryName(build.Context.Image.FilePath)!, "sums");
        Assert.Equal(
            $"{Hex(SHA256.HashData(File.ReadAllBytes(disk)))}  ../../output/web/qemu/disk.qcow2\n{Hex(SHA256.HashData(File.ReadAllBytes(kernel)))}  ../../output/web/qemu/boot/vmlinuz\n",
            File.ReadAllText(Path.Combine(sums, "SUMS.sha256")));
        Assert.StartsWith(Hex(SHA512.HashData(File.ReadAllBytes(disk))) + "  ", File.ReadAllText(Path.Combine(sums, "SUMS.sha512")), StringComparison.Ordinal);
        Assert.Equal(Path.Combine(sums, "SUMS.sha256"), artifact.Outputs["sha256_file"]);
        Assert.False(artifact.Outputs.ContainsKey("sha256"));
    }

    [Fact]
    public async Task Default_file_sits_next_to_the_image_named_after_the_build_and_exposes_the_digest()
    {
        using var build = new PublishTestBuild(image: "web", source: "qemu");
        var disk = build.WriteFile("disk.qcow2", 1000);

        var artifact = Assert.Single(await _publisher.PublishAsync(
            new ChecksumConfig(), build.State, [PublishTestBuild.ArtifactOf("qemu", "x", disk)], TestContext.Current.CancellationToken));

        var expected = Hex(SHA256.HashData(File.ReadAllBytes(disk)));
        Assert.Equal(expected, artifact.Outputs["sha256"]);
        Assert.Equal($"{expected}  disk.qcow2\n", File.ReadAllText(Path.Combine(build.Context.OutputDirectory, "web.qemu.SHA256SUMS")));
        Assert.Empty(Directory.GetFiles(build.Context.OutputDirectory, "*.partial"));
    }

    [Fact]
    public async Task A_manifest_after_the_checksum_reuses_its_digests_until_the_file_changes()
    {
        var reads = new CountingProgress();
        using var build = new PublishTestBuild(progress: reads);
        var disk = build.WriteFile("disk.qcow2", 256 * 1024, seed: 3);
        var input = PublishTestBuild.ArtifactOf("qemu", "x", disk);
        var token = TestContext.Current.CancellationToken;

        var sums = Assert.Single(await _publisher.PublishAsync(new ChecksumConfig(), build.State, [input], token));
        await Manifest.PublishAsync(new ManifestConfig(), build.State, [input], token);

        Assert.Equal(1, reads.Started);
        Assert.Equal(sums.Outputs["sha256"], ManifestDigest(build.Manifest, 0));

        // Same length, other bytes, a later write time: what a publisher rewriting the image in place leaves.
        var other = new byte[256 * 1024];
        new Random(4).NextBytes(other);
        await File.WriteAllBytesAsync(disk, other, token);
        File.SetLastWriteTimeUtc(disk, DateTime.UtcNow.AddMinutes(1));
        await Manifest.PublishAsync(new ManifestConfig(), build.State, [input], token);

        Assert.Equal(2, reads.Started);
        Assert.Equal(Hex(SHA256.HashData(other)), ManifestDigest(build.Manifest, 1));
    }

    [Fact]
    public void Names_with_a_backslash_or_newline_are_escaped_like_coreutils()
    {
        Assert.Equal("\\ab  a\\\\b\\nc\n", ChecksumPublisher.Line("ab", "a\\b\nc"));
        Assert.Equal("ab  plain name\n", ChecksumPublisher.Line("ab", "plain name"));
    }

    [Fact]
    public void Several_types_into_one_fixed_path_is_a_config_problem()
    {
        var problem = Assert.Single(new ChecksumConfig { Types = [ChecksumType.Sha256, ChecksumType.Sha512], Output = "SUMS" }.Validate());
        Assert.Equal("output", problem.PropertyPath);
        Assert.Empty(new ChecksumConfig { Types = [ChecksumType.Sha256, ChecksumType.Sha512], Output = "SUMS.{type}" }.Validate());
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static string? ManifestDigest(string manifest, int build) =>
        (string?)System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!["builds"]![build]!["kiln"]!["files"]![0]!["sha256"];

    /// <summary>Every file read by a hasher starts one progress task.</summary>
    private sealed class CountingProgress : Kiln.Engine.IProgressSink, Kiln.Engine.IProgressTask
    {
        private int _started;

        public int Started => Volatile.Read(ref _started);

        public Kiln.Engine.IProgressTask Start(string description, long? total = null)
        {
            Interlocked.Increment(ref _started);
            return this;
        }

        public void Advance(long amount)
        {
        }

        public void SetTotal(long total)
        {
        }

        public void Dispose()
        {
        }
    }
}
