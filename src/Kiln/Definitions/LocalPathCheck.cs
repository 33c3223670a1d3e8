namespace Kiln.Definitions;

/// <summary>The local paths of a config that do not exist, or are a directory where a file is needed (or the reverse).</summary>
internal static class LocalPathCheck
{
    public static IEnumerable<ConfigProblem> Problems(ILocalPaths config, string definitionDirectory, Func<string, bool> skip)
    {
        foreach (var local in config.LocalPaths().Where(p => !skip(p.PropertyPath)))
        {
            var full = FullPath(local.Path, definitionDirectory);
            if (full is null)
            {
                yield return new ConfigProblem(local.PropertyPath, $"'{local.Path}' is not a valid path");
                continue;
            }

            var isFile = File.Exists(full);
            var isDirectory = Directory.Exists(full);
            var where = $"Relative paths are relative to the definition's directory, {definitionDirectory}.";
            if (!isFile && !isDirectory)
            {
                yield return new ConfigProblem(local.PropertyPath, $"'{local.Path}' does not exist ({full})",
                    $"The build reads it from the build host. {where} A file another image makes is written {{{{ image.<name>.artifact.<key> }}}} with that image in depends_on; one a target of your build makes (such as Compile's output) exists once that target ran: ./build.sh Compile ValidateImages.");
            }
            else if (local.Kind == LocalPathKind.File && isDirectory)
            {
                yield return new ConfigProblem(local.PropertyPath, $"'{local.Path}' is a directory, not a file ({full})", where);
            }
            else if (local.Kind == LocalPathKind.Directory && isFile)
            {
                yield return new ConfigProblem(local.PropertyPath, $"'{local.Path}' is a file, not a directory ({full})", where);
            }
        }
    }

    private static string? FullPath(string path, string directory)
    {
        try
        {
            return Path.GetFullPath(path, directory);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
    }
}
