using System.Text.Json;
using System.Text.Json.Nodes;
using Kiln.Engine;

namespace Kiln.Builders.Qemu;

/// <summary>
/// A disk to convert, with what it holds on the host together with every disk under it (<see cref="Size"/>): an
/// overlay alone is a few MiB, while a conversion reads its base too. Measured once for all the formats converted from it.
/// </summary>
internal sealed record ConversionSource(string Path, string Format, long Size)
{
    /// <summary>Measures the backing chain with qemu-img; the file's own size when qemu-img cannot tell.</summary>
    public static async Task<ConversionSource> MeasureAsync(BuildContext context, string path, string format, CancellationToken cancellationToken)
    {
        long size;
        try
        {
            var info = await HostTool.RunAsync(context, "qemu-img", ["info", "--backing-chain", "-U", "--output=json", "-f", format, path], cancellationToken);
            size = JsonNode.Parse(info) is JsonArray chain
                ? chain.Sum(image => image?["actual-size"]?.GetValue<long>() ?? 0)
                : new FileInfo(path).Length;
        }
        catch (Exception ex) when (ex is Diagnostics.KilnException or JsonException or InvalidOperationException or FormatException)
        {
            size = new FileInfo(path).Length;
        }

        return new ConversionSource(path, format, size);
    }
}
