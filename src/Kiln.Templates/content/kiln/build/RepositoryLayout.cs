using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Kiln.RepositoryBuild;

/// <summary>
/// The solution Compile builds and the project the images carry, found in the repository unless the build's
/// --solution and --app name them.
/// </summary>
internal sealed partial record RepositoryLayout(string Solution, string AppProject)
{
    /// <summary>The executable's file name: the project's AssemblyName, or its file name.</summary>
    public string AppName =>
        XDocument.Load(AppProject).Descendants().FirstOrDefault(e => e.Name.LocalName == "AssemblyName")?.Value.Trim() is { Length: > 0 } name
            ? name
            : Path.GetFileNameWithoutExtension(AppProject);

    public static RepositoryLayout Find(string root, string? solution, string? app)
    {
        var solutionPath = solution is not null ? Existing(Path.GetFullPath(solution, root), "--solution") : FindSolution(root);
        var appPath = app is not null ? Existing(Path.GetFullPath(app, root), "--app") : FindApp(solutionPath);
        return new RepositoryLayout(solutionPath, appPath);
    }

    private static string FindSolution(string root)
    {
        var found = Directory.EnumerateFiles(root, "*.sln").Concat(Directory.EnumerateFiles(root, "*.slnx")).Order(StringComparer.Ordinal).ToList();
        return found.Count switch
        {
            1 => found[0],
            0 => throw new BuildStepException($"No *.sln or *.slnx at {root}.", "Create one (dotnet new sln; dotnet sln add <project>), or pass --solution <path>."),
            _ => throw new BuildStepException(
                $"Several solutions at {root}: {string.Join(", ", found.Select(Path.GetFileName))}.", "Pass --solution <path> to choose one."),
        };
    }

    private static string FindApp(string solution)
    {
        var executables = ProjectsOf(solution).Where(IsExecutable).ToList();
        return executables.Count switch
        {
            1 => executables[0],
            0 => throw new BuildStepException($"{Path.GetFileName(solution)} has no executable project (OutputType Exe) for the images to carry.", "Pass --app <project>."),
            _ => throw new BuildStepException(
                $"{Path.GetFileName(solution)} has several executable projects: {string.Join(", ", executables.Select(Path.GetFileName))}.",
                "Pass --app <project> to choose the one the images carry."),
        };
    }

    /// <summary>The project paths a .slnx (XML) or .sln (text) lists.</summary>
    private static IEnumerable<string> ProjectsOf(string solution)
    {
        var directory = Path.GetDirectoryName(solution)!;
        var paths = solution.EndsWith(".slnx", StringComparison.OrdinalIgnoreCase)
            ? XDocument.Load(solution).Descendants().Where(e => e.Name.LocalName == "Project").Select(e => (string?)e.Attribute("Path") ?? "")
            : SlnProject().Matches(File.ReadAllText(solution)).Select(m => m.Groups[1].Value);
        return paths
            .Where(p => p.EndsWith("proj", StringComparison.OrdinalIgnoreCase))
            .Select(p => Path.GetFullPath(p.Replace('\\', Path.DirectorySeparatorChar), directory))
            .Where(File.Exists);
    }

    private static bool IsExecutable(string project) =>
        XDocument.Load(project).Descendants().Any(e => e.Name.LocalName == "OutputType" && e.Value.Trim().Equals("Exe", StringComparison.OrdinalIgnoreCase));

    private static string Existing(string path, string option) =>
        File.Exists(path) ? path : throw new BuildStepException($"{option} {path} does not exist.", "Give a path relative to the repository root.");

    [GeneratedRegex("""^Project\("\{[^}]+\}"\)\s*=\s*"[^"]*",\s*"([^"]+)"\s*,""", RegexOptions.Multiline)]
    private static partial Regex SlnProject();
}
