using System.IO.Compression;
using Kiln.Engine;
using Kiln.Model;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Kiln.Publishers;

/// <summary>
/// Compresses each input file to <c>&lt;name&gt;.zst</c> or <c>&lt;name&gt;.gz</c> in one streamed pass. Its artifact
/// (builder type "compress") carries the compressed files and the input's outputs plus <c>compressed</c> and
/// <c>compression</c>. Like Packer's compress post-processor its keep_input_artifact defaults to false; the input files
/// are left in place because another chain of the same build may still read them: dropping them is the stage runner's call.
/// </summary>
internal sealed class CompressPublisher : Publisher<CompressConfig>
{
    public override string Type => "compress";

    protected override async Task<IReadOnlyList<Artifact>> PublishAsync(
        CompressConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var extension = config.Format == CompressionFormat.Zstd ? ".zst" : ".gz";
        var results = new List<Artifact>();
        foreach (var input in inputs)
        {
            var files = new List<ArtifactFile>();
            foreach (var file in input.Files)
            {
                var source = Path.GetFullPath(file.Path);
                var directory = config.Output is { } output ? context.Image.ResolvePath(output) : Path.GetDirectoryName(source)!;
                var target = Path.Combine(directory, Path.GetFileName(source) + extension);
                await CompressFileAsync(config, context, source, target, cancellationToken);
                var size = new FileInfo(target).Length;
                context.Log.Info($"compress: {source} → {target} ({Ratio(file.Size, size)})");
                files.Add(new ArtifactFile(target, size));
            }

            var outputs = new Dictionary<string, string>(input.Outputs)
            {
                ["compression"] = config.Format.ToString().ToLowerInvariant(),
            };
            if (files.Count > 0)
            {
                outputs["compressed"] = files[0].Path;
            }

            results.Add(new Artifact
            {
                BuilderType = Type,
                Id = files.Count > 0 ? files[0].Path : input.Id,
                Files = files,
                Outputs = outputs,
                CustomData = input.CustomData,
            });
        }

        return results;
    }

    private static async Task CompressFileAsync(
        CompressConfig config, BuildContext context, string source, string target, CancellationToken cancellationToken)
    {
        await using var input = StreamCopy.OpenRead(source);
        using var progress = context.Progress.Start($"{config.Format.ToString().ToLowerInvariant()} {Path.GetFileName(source)}", input.Length);
        await PartialFile.WriteAsync(target, context.Ledger, async (output, ct) =>
        {
            var compressor = Compressor(config, output, input.Length);
            var copied = false;
            try
            {
                await StreamCopy.CopyAsync(input, compressor, progress, ct);
                copied = true;
            }
            finally
            {
                try
                {
                    await compressor.DisposeAsync();
                }
                catch (Exception) when (!copied)
                {
                    // Ending a frame cut short fails (zstd checks the pledged size); the partial file goes anyway,
                    // and the copy's own exception is the one worth reporting.
                }
            }
        }, cancellationToken);
    }

    private static Stream Compressor(CompressConfig config, Stream output, long length)
    {
        if (config.Format == CompressionFormat.Gzip)
        {
            return new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = config.EffectiveLevel }, leaveOpen: true);
        }

        var zstd = new CompressionStream(output, config.EffectiveLevel, StreamCopy.BufferSize, leaveOpen: true);
        zstd.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, config.Workers == 0 ? Environment.ProcessorCount : config.Workers);
        zstd.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        zstd.SetPledgedSrcSize((ulong)length);
        return zstd;
    }

    private static string Ratio(long before, long after) =>
        before > 0 ? $"{after * 100.0 / before:0.#}% of {before} bytes" : $"{after} bytes";
}
