namespace Kiln.Publishers;

public enum CompressionFormat
{
    Zstd,
    Gzip,
}
