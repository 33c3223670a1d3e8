using Kiln.IntegrationTests.Docker;

namespace Kiln.IntegrationTests.Ci;

/// <summary>
/// GitHub's own workflow parser (@actions/workflow-parser, the one behind the Actions VS Code extension), installed
/// with npm into a temporary folder for the test class and removed afterwards.
/// </summary>
public sealed class WorkflowParser : IAsyncLifetime
{
    public const string Package = "@actions/workflow-parser@0.3.61";

    private readonly string _folder = Directory.CreateTempSubdirectory("kiln-workflow-parser-").FullName;

    public static string Root { get; } = FindRoot();

    private static string Scripts => Path.Combine(Root, "tests", "Kiln.IntegrationTests", "Ci");

    public async ValueTask InitializeAsync()
    {
        var install = await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--prefix", _folder, Package], CancellationToken.None);
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm install {Package} failed ({install.ExitCode}):\n{install.Output}");
        }
    }

    /// <summary>Parses and converts the workflow as GitHub does; exit code 0 means accepted, Output has the errors.</summary>
    public Task<(int ExitCode, string Output)> ValidateAsync(string workflowPath, CancellationToken cancellationToken) =>
        RunAsync("node", ["--import", Path.Combine(Scripts, "json-import-hook.mjs"), Path.Combine(Scripts, "validate-workflow.mjs"), Path.Combine(_folder, "node_modules"), workflowPath], cancellationToken);

    private static Task<(int ExitCode, string Output)> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(file, arguments, TimeSpan.FromMinutes(10), cancellationToken);

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return ValueTask.CompletedTask;
    }

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
