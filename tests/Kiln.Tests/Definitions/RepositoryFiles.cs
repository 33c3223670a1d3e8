namespace Kiln.Tests.Definitions;

/// <summary>Files of this repository the tests read (templates, the committed schema).</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Templates => Path.Combine(Root, "templates");

    public static string Samples => Path.Combine(Root, "samples", "templates");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kiln.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Kiln.slnx not found above {AppContext.BaseDirectory}");
    }
}
