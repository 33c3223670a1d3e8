namespace Kiln.Builders.Qemu;

/// <summary>A "sha256:&lt;hex&gt;" digest from a definition, normalised to lower case.</summary>
internal sealed record ImageChecksum(string Sha256)
{
    public static bool TryParse(string? text, out ImageChecksum checksum)
    {
        checksum = null!;
        const string Prefix = "sha256:";
        if (text is null || !text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var hex = text[Prefix.Length..].Trim();
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        checksum = new ImageChecksum(hex.ToLowerInvariant());
        return true;
    }

    public override string ToString() => "sha256:" + Sha256;
}
