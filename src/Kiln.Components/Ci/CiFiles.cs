using Kiln.Images;

namespace Kiln.Components.Ci;

/// <summary>The generated CI files, their contents as the current definitions imply, and whether the ones on disk differ.</summary>
public sealed record CiFiles(string GitHubPath, string GitHubContent, string AzurePath, string AzureContent)
{
    public const string RegenerateCommand = "./build.sh GenerateCi";

    public static CiFiles Generate(ImageBuildSettings settings, string rootDirectory, string gitHubPath, string azurePath)
    {
        var plan = CiPlan.Load(settings, rootDirectory);
        return new CiFiles(
            Path.GetFullPath(gitHubPath, rootDirectory), GitHubWorkflowWriter.Write(plan, RegenerateCommand),
            Path.GetFullPath(azurePath, rootDirectory), AzurePipelineWriter.Write(plan, RegenerateCommand));
    }

    /// <summary>The files whose content on disk is missing or different from what generation gives now.</summary>
    public IReadOnlyList<string> Stale() =>
        [.. new[] { (GitHubPath, GitHubContent), (AzurePath, AzureContent) }
            .Where(f => !File.Exists(f.Item1) || File.ReadAllText(f.Item1) != f.Item2)
            .Select(f => f.Item1)];

    public void Write()
    {
        foreach (var (path, content) in new[] { (GitHubPath, GitHubContent), (AzurePath, AzureContent) })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + $".{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, content);
            File.Move(temporary, path, overwrite: true);
        }
    }
}
