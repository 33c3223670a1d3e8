namespace Kiln.Publishers;

internal enum CompressionFormat
{
    Zstd,
    Gzip,
}
