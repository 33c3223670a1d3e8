using System.Globalization;

namespace Kiln.Model;

internal static class ByteSize
{
    public static string Format(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB"),
    };

    public static string Progress(long done, long? total) =>
        total is { } t and > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{Math.Min(100, done * 100 / t)}% ({Format(done)} of {Format(t)})")
            : Format(done);
}
