using Kiln.Diagnostics;

namespace Kiln.Builders.Qemu.Install;

/// <summary>
/// An ISO's expected digest: "sha256:&lt;hex&gt;", or "file:&lt;URL or path&gt;" of a SHA256SUMS-style list
/// ("&lt;hex&gt;  &lt;name&gt;" or "SHA256 (&lt;name&gt;) = &lt;hex&gt;" lines), looked up by the ISO's file name as Packer does.
/// </summary>
internal static class IsoChecksum
{
    private const string FilePrefix = "file:";

    public static bool IsValid(string text) =>
        ImageChecksum.TryParse(text, out _) || (text.StartsWith(FilePrefix, StringComparison.OrdinalIgnoreCase) && text.Length > FilePrefix.Length);

    /// <summary>The digest, reading the checksum list (over HTTP or from disk) when the definition names one.</summary>
    public static async Task<ImageChecksum> ResolveAsync(string text, string isoFileName, string definitionDirectory, HttpClient http, CancellationToken cancellationToken)
    {
        if (ImageChecksum.TryParse(text, out var direct))
        {
            return direct;
        }

        var location = text[FilePrefix.Length..].Trim();
        string list;
        if (ImageSource.IsUrl(location))
        {
            using var response = await http.GetAsync(new Uri(location), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new KilnException($"downloading the checksum list {location} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}", "check base.iso.checksum");
            }

            list = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        else
        {
            var path = ImageSource.LocalPath(location, definitionDirectory);
            if (!File.Exists(path))
            {
                throw new KilnException($"the checksum list {path} does not exist", "check base.iso.checksum");
            }

            list = await File.ReadAllTextAsync(path, cancellationToken);
        }

        return Find(list, isoFileName)
            ?? throw new KilnException($"the checksum list {location} has no sha256 for {isoFileName}", "check that it lists the ISO by that file name, or give checksum: sha256:<digest>");
    }

    internal static ImageChecksum? Find(string list, string fileName)
    {
        foreach (var raw in list.Split('\n'))
        {
            var line = raw.Trim();
            string? hex = null, name = null;
            if (line.StartsWith("SHA256 (", StringComparison.OrdinalIgnoreCase) && line.LastIndexOf(") = ", StringComparison.Ordinal) is var close and > 8)
            {
                (name, hex) = (line[8..close], line[(close + 4)..]);
            }
            else if (line.Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries) is [var digest, var file])
            {
                (hex, name) = (digest, file.Trim().TrimStart('*'));
            }

            if (name is not null && (name == fileName || name.EndsWith("/" + fileName, StringComparison.Ordinal)) && ImageChecksum.TryParse("sha256:" + hex, out var checksum))
            {
                return checksum;
            }
        }

        return null;
    }
}
