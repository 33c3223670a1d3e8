using Kiln.Testing;
using System.Security.Cryptography;
using Kiln.Publishers;

namespace Kiln.Tests.Publishers;

public sealed class ChecksumPublisherTests
{
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
}
