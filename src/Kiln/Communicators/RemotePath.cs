namespace Kiln.Communicators;

/// <summary>Paths on the machine under construction: always POSIX, whatever the build host is.</summary>
internal static class RemotePath
{
    public static string TrimEnd(string path) => path.Length > 1 ? path.TrimEnd('/') : path;

    public static string Combine(string directory, string name) => TrimEnd(directory) + "/" + name;

    public static string FileName(string path)
    {
        var trimmed = TrimEnd(path);
        return trimmed[(trimmed.LastIndexOf('/') + 1)..];
    }
}
