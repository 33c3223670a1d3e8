using System.Globalization;
using System.Text.RegularExpressions;

namespace Kiln.Builders.Qemu;

/// <summary>Sizes as people write them for disks: binary units ("8G" = 8 GiB); a bare number is MiB, as in Packer.</summary>
internal static partial class DiskSize
{
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        var match = text is null ? null : SizePattern().Match(text.Trim());
        if (match is not { Success: true } || !long.TryParse(match.Groups["value"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            return false;
        }

        var shift = match.Groups["unit"].Value.ToUpperInvariant() switch
        {
            "K" => 10,
            "G" => 30,
            "T" => 40,
            _ => 20,
        };
        if (value > long.MaxValue >> shift)
        {
            return false;
        }

        bytes = value << shift;
        return true;
    }

    public static long Parse(string text) =>
        TryParse(text, out var bytes) ? bytes : throw new FormatException($"'{text}' is not a disk size");

    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.##} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };

    [GeneratedRegex(@"^(?<value>\d+)\s*(?<unit>[KMGT])?(i?B)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();
}
