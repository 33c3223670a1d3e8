using System.Buffers.Binary;
using System.Formats.Tar;

namespace Kiln.Publishers;

/// <summary>Recognises the disk formats publishers consume by their content, not their file names.</summary>
internal static class DiskImage
{
    private static ReadOnlySpan<byte> Qcow2Magic => [(byte)'Q', (byte)'F', (byte)'I', 0xfb];

    public static bool IsQcow2(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual(Qcow2Magic);
    }

    /// <summary>The guest-visible size from the qcow2 header (big-endian u64 at offset 24).</summary>
    public static long Qcow2VirtualSize(string path)
    {
        Span<byte> header = stackalloc byte[32];
        using var stream = File.OpenRead(path);
        stream.ReadExactly(header);
        return (long)BinaryPrimitives.ReadUInt64BigEndian(header[24..]);
    }

    /// <summary>An OVA is a tar whose first member is the .ovf descriptor.</summary>
    public static bool IsOva(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new TarReader(stream);
            return reader.GetNextEntry(copyData: false)?.Name.EndsWith(".ovf", StringComparison.OrdinalIgnoreCase) == true;
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException or ArgumentException or OverflowException)
        {
            return false;
        }
    }
}
