namespace Kiln.Publishers;

/// <summary>
/// File names in a manifest are relative to the manifest when the file lies under its directory (so an output tree
/// can move as a whole), absolute otherwise.
/// </summary>
internal static class ManifestPaths
{
    public static string ToEntry(string manifestDirectory, string fullPath)
    {
        var relative = Path.GetRelativePath(manifestDirectory, fullPath);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)
            ? fullPath
            : relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    public static string FromEntry(string manifestDirectory, string name) => Path.GetFullPath(name, manifestDirectory);
}
