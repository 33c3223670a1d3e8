using Kiln.Engine;

namespace Kiln.Publishers;

internal static class ConfigPaths
{
    /// <summary>Relative paths in a definition are relative to the definition file's directory.</summary>
    public static string Resolve(BuildContext context, string path) =>
        Path.GetFullPath(path, Path.GetDirectoryName(context.Image.FilePath) ?? Directory.GetCurrentDirectory());
}
