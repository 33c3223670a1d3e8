using Kiln.Engine;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Publishers;

/// <summary>What compress writes must come back byte for byte through the real zstd and gzip.</summary>
public sealed class CompressToolTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(nameof(CompressionFormat.Zstd), null, 0, "zstd")]
    [InlineData(nameof(CompressionFormat.Zstd), 9, 2, "zstd")]
    [InlineData(nameof(CompressionFormat.Gzip), null, 0, "gzip")]
    [InlineData(nameof(CompressionFormat.Gzip), 1, 0, "gzip")]
    public async Task Real_decompression_gives_back_the_same_bytes(string formatName, int? level, int workers, string tool)
    {
        // by name: CompressionFormat is internal, and a theory's parameters must be public types
        var format = Enum.Parse<CompressionFormat>(formatName);
        using var build = new PublishTestBuild();
        var disk = WriteCompressible(build, "disk.raw", 12L * 1024 * 1024 + 5);
        var kernel = build.WriteFile("vmlinuz", 70_000, seed: 3);
        var input = PublishTestBuild.ArtifactOf("qemu", "disk", disk, kernel) with
        {
            Outputs = new Dictionary<string, string> { ["raw"] = disk },
        };

        var artifact = Assert.Single(await ((IPublisher)new CompressPublisher()).PublishAsync(
            new CompressConfig { Format = format, Level = level, Workers = workers, Output = Path.Combine(build.Root, "packed") },
            build.State, [input], Token));

        var extension = format == CompressionFormat.Zstd ? ".zst" : ".gz";
        Assert.Equal("compress", artifact.BuilderType);
        Assert.Equal([Path.Combine(build.Root, "packed", "disk.raw" + extension), Path.Combine(build.Root, "packed", "vmlinuz" + extension)], artifact.Files.Select(f => f.Path));
        Assert.Equal(disk, artifact.Outputs["raw"]);
        Assert.Equal(artifact.Files[0].Path, artifact.Outputs["compressed"]);
        Assert.True(artifact.Files[0].Size < new FileInfo(disk).Length / 2, "compressible data should shrink");
        foreach (var (original, packed) in new[] { disk, kernel }.Zip(artifact.Files))
        {
            Assert.Equal(new FileInfo(packed.Path).Length, packed.Size);
            var restored = Path.Combine(build.Root, "restored-" + Path.GetFileName(original));
            var decompress = await HostProcess.RunAsync("sh", ["-c", $"{tool} -d -c '{packed.Path}' > '{restored}'"], cancellationToken: Token);
            Assert.True(decompress.ExitCode == 0, decompress.ToString());
            Assert.True(File.ReadAllBytes(original).AsSpan().SequenceEqual(File.ReadAllBytes(restored)), $"{tool} -d of {packed.Path} differs");
        }

        Assert.True(File.Exists(disk), "the stage runner, not compress, decides whether inputs go");
        Assert.Empty(Directory.GetFiles(Path.Combine(build.Root, "packed"), "*.partial"));
    }

    [Fact]
    public async Task Zstd_frames_record_the_content_size_and_a_checksum()
    {
        using var build = new PublishTestBuild();
        var disk = WriteCompressible(build, "disk.raw", 3L * 1024 * 1024);

        var artifact = Assert.Single(await ((IPublisher)new CompressPublisher()).PublishAsync(
            new CompressConfig(), build.State, [PublishTestBuild.ArtifactOf("qemu", "disk", disk)], Token));

        var list = await HostProcess.RunAsync("zstd", ["-lv", artifact.Files[0].Path], cancellationToken: Token);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("Check: XXH64", list.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("(3145728 B)", list.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(build.Context.OutputDirectory, "disk.raw.zst"), artifact.Files[0].Path);
    }

    [Fact]
    public void Levels_out_of_range_are_config_problems()
    {
        Assert.Equal("level", Assert.Single(new CompressConfig { Format = CompressionFormat.Gzip, Level = 12 }.Validate()).PropertyPath);
        Assert.Empty(new CompressConfig { Format = CompressionFormat.Zstd, Level = 12 }.Validate());
        Assert.False(new CompressConfig().KeepInputArtifact);
    }

    /// <summary>Text-like data (a disk is mostly that or zeros), so compression has something to do.</summary>
    private static string WriteCompressible(PublishTestBuild build, string name, long size)
    {
        var path = Path.Combine(build.Context.OutputDirectory, name);
        var random = new Random(11);
        var words = Enumerable.Range(0, 500).Select(i => $"word{random.Next(100000)} ").ToArray();
        using var stream = new StreamWriter(path);
        long written = 0;
        while (written < size)
        {
            var word = words[random.Next(words.Length)];
            var take = (int)Math.Min(word.Length, size - written);
            stream.Write(word.AsSpan(0, take));
            written += take;
        }

        return path;
    }
}
