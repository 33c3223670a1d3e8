namespace Kiln.Definitions;

/// <summary>
/// The one rule for paths written in a definition: relative to the definition file's directory, absolute ones as they
/// are. <see cref="ResolvedImage.ResolvePath"/> and <see cref="ImageDefinition.Directory"/> apply it.
/// </summary>
internal static class DefinitionPaths
{
    public static string DirectoryOf(string definitionFile)
    {
        var full = Path.GetFullPath(definitionFile);
        return Path.GetDirectoryName(full) ?? Path.GetPathRoot(full)!;
    }

    public static string Resolve(string definitionFile, string path) => Path.GetFullPath(path, DirectoryOf(definitionFile));
}
