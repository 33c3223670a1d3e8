using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Publishers;

[Description("Compresses every file of the input artifacts (zstd or gzip). The compressed files replace the inputs unless keep_input_artifact is true.")]
internal sealed class CompressConfig : PublisherConfig, IValidatableConfig
{
    public CompressConfig() => KeepInputArtifact = false;

    [Description("zstd (multi-threaded, .zst) or gzip (.gz).")]
    public CompressionFormat Format { get; init; } = CompressionFormat.Zstd;

    [Description("Compression level: zstd 1–19 (default 3), gzip 1–9 (default 6).")]
    public int? Level { get; init; }

    [Description("zstd worker threads; 0 uses one per CPU core.")]
    public int Workers { get; init; }

    [Description("Directory for the compressed files. Default: next to each input file.")]
    public string? Output { get; init; }

    internal int EffectiveLevel => Level ?? (Format == CompressionFormat.Zstd ? 3 : 6);

    public IEnumerable<ConfigProblem> Validate()
    {
        var (min, max) = Format == CompressionFormat.Zstd ? (1, 19) : (1, 9);
        if (Level is { } level && (level < min || level > max))
        {
            yield return new ConfigProblem("level", $"{Format.ToString().ToLowerInvariant()} levels go from {min} to {max}, not {level}", $"for example `level: {min + ((max - min) / 3)}`");
        }

        if (Workers < 0)
        {
            yield return new ConfigProblem("workers", "cannot be negative", "0 means one worker per CPU core");
        }
    }
}
