using Kiln.Engine;

namespace Kiln.Provisioners;

internal static class ProvisionerPaths
{
    /// <summary>Relative paths in a definition are relative to the definition file's directory.</summary>
    public static string Resolve(BuildContext context, string path) =>
        Path.GetFullPath(path, DefinitionDirectory(context));

    public static string DefinitionDirectory(BuildContext context) =>
        Path.GetDirectoryName(context.Image.FilePath) ?? Directory.GetCurrentDirectory();

    /// <summary>"dir/" means the directory's contents, "dir" the directory itself, as rsync reads them.</summary>
    public static bool MeansContents(string path) => path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar);
}
