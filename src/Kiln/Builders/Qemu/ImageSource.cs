namespace Kiln.Builders.Qemu;

internal static class ImageSource
{
    public static bool IsUrl(string image) =>
        Uri.TryCreate(image, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    /// <summary>A local image path: file:// URLs and paths relative to the definition's directory made absolute.</summary>
    public static string LocalPath(string image, string definitionDirectory) => Path.GetFullPath(LocalFile(image), definitionDirectory);

    /// <summary>A local image as written, with a file:// URL turned into its path.</summary>
    public static string LocalFile(string image) =>
        Uri.TryCreate(image, UriKind.Absolute, out var uri) && uri.IsFile ? uri.LocalPath : image;
}
