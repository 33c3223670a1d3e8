using Kiln.Diagnostics;

namespace Kiln.Builders.Qemu;

/// <summary>
/// A file a definition names on the build host (a base image, an installer ISO, its kernel): it must exist, and match
/// its sha256 when the definition gives one. Downloads are <see cref="ImageDownloader"/>'s.
/// </summary>
internal static class LocalImageFile
{
    /// <param name="file">As written: a path relative to the definition's directory, absolute, or a file:// URL.</param>
    /// <param name="definitionDirectory">The directory of the definition file.</param>
    /// <param name="what">The file's role in messages: "the base image", "the installer ISO".</param>
    /// <param name="hint">What to do when it is missing.</param>
    public static string Existing(string file, string definitionDirectory, string what, string hint)
    {
        var path = ImageSource.LocalPath(file, definitionDirectory);
        if (!File.Exists(path))
        {
            throw new KilnException($"{what} {path} does not exist", hint);
        }

        return path;
    }

    /// <param name="checksumKey">The definition key of the checksum, for the hint: "base.checksum".</param>
    public static async Task VerifyAsync(string path, ImageChecksum expected, string what, string checksumKey, CancellationToken cancellationToken)
    {
        var actual = await ImageDownloader.HashAsync(path, cancellationToken);
        if (actual != expected.Sha256)
        {
            throw new KilnException($"{what} {path} has sha256 {actual}, not the expected {expected.Sha256}", $"update {checksumKey} or replace the file");
        }
    }
}
