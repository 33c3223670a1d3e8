using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Publishers;

[Description("Writes checksum files in the format `sha256sum -c` reads (`<hex>  <file name>`) for every file of the input artifacts.")]
public sealed class ChecksumConfig : PublisherConfig, IValidatableConfig
{
    [Description("Checksums to compute; all of them in one pass over each file.")]
    public IReadOnlyList<ChecksumType> Types { get; init; } = [ChecksumType.Sha256];

    [Description("Path of each checksum file; `{type}` becomes the checksum type (sha256). Default: `<build name>.{TYPE}SUMS` next to the first file, e.g. `web.qemu.SHA256SUMS`.")]
    public string? Output { get; init; }

    public IEnumerable<ConfigProblem> Validate()
    {
        if (Types.Count == 0)
        {
            yield return new ConfigProblem("types", "at least one checksum type is needed", "for example `types: [sha256]`");
        }

        if (Types.Distinct().Count() > 1 && Output is not null && !Output.Contains("{type}", StringComparison.Ordinal))
        {
            yield return new ConfigProblem(
                "output", "several checksum types would all be written to the same file", "put `{type}` in the path, e.g. `SUMS.{type}`");
        }
    }
}
