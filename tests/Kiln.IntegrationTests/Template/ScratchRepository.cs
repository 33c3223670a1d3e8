using Kiln.IntegrationTests.Ci;
using Kiln.IntegrationTests.Docker;

namespace Kiln.IntegrationTests.Template;

/// <summary>
/// Someone else's repository: a git repository with a console app and a solution, a local NuGet feed holding the
/// packages packed from this test run's build, and what <c>dotnet new kiln</c> added to it. The packages get a
/// version of their own, so NuGet's global cache can never hand back an older Kiln, and the template is installed
/// into a private template-engine hive; both are removed afterwards.
/// </summary>
public sealed class ScratchRepository : IAsyncLifetime
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    const string Configuration = "Release";
#endif

    private static readonly string[] Packages = ["Kiln", "Kiln.Targets", "Kiln.Components", "Kiln.Templates"];

    private readonly string _folder = Directory.CreateTempSubdirectory("kiln-template-").FullName;

    public string Version { get; } = $"0.1.0-e2e{Guid.NewGuid():N}"[..24];

    public string Root => Path.Combine(_folder, "repo");

    private string Feed => Path.Combine(_folder, "feed");

    private string Hive => Path.Combine(_folder, "hive");

    public async ValueTask InitializeAsync()
    {
        foreach (var package in Packages)
        {
            // What this test run was built from, without rebuilding it under other tests' feet.
            var project = Path.Combine(WorkflowParser.Root, "src", package, $"{package}.csproj");
            await RunCheckedAsync("dotnet", ["pack", project, "--no-build", "--configuration", Configuration, $"-p:Version={Version}", "--output", Feed], WorkflowParser.Root);
        }

        Directory.CreateDirectory(Root);
        await RunCheckedAsync("git", ["init", "--quiet"], Root);
        await RunCheckedAsync("dotnet", ["new", "console", "--name", "Hello", "--output", Path.Combine("src", "Hello")], Root);
        await File.WriteAllTextAsync(Path.Combine(Root, "src", "Hello", "Program.cs"), "Console.WriteLine(\"hello from the scratch app\");\n");
        await RunCheckedAsync("dotnet", ["new", "sln", "--name", "Hello"], Root);
        await RunCheckedAsync("dotnet", ["sln", "add", Path.Combine("src", "Hello", "Hello.csproj")], Root);
        // The local feed comes first; Kiln's own dependencies still come from the machine's configured sources.
        await File.WriteAllTextAsync(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="kiln-local" value="{Feed}" />
              </packageSources>
            </configuration>
            """);

        var template = Path.Combine(Feed, $"Kiln.Templates.{Version}.nupkg");
        await RunCheckedAsync("dotnet", ["new", "install", template, "--debug:custom-hive", Hive], Root);
        await RunCheckedAsync("dotnet", ["new", "kiln", "--kiln-version", Version, "--debug:custom-hive", Hive], Root);
    }

    /// <summary>Runs <c>./build.sh</c> with these arguments at the repository's root.</summary>
    public Task<(int ExitCode, string Output)> BuildAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(Path.Combine(Root, "build.sh"), arguments, TimeSpan.FromMinutes(20), TestContext.Current.CancellationToken, Root);

    /// <summary>Runs <c>pwsh ./build.ps1</c> with these arguments at the repository's root.</summary>
    public Task<(int ExitCode, string Output)> PowerShellBuildAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(PowerShell.Path, ["-NoProfile", "-File", Path.Combine(Root, "build.ps1"), .. arguments], TimeSpan.FromMinutes(20), TestContext.Current.CancellationToken, Root);

    private static async Task RunCheckedAsync(string file, IReadOnlyList<string> arguments, string workingDirectory)
    {
        var (exitCode, output) = await ProcessRunner.RunAsync(file, arguments, TimeSpan.FromMinutes(10), TestContext.Current.CancellationToken, workingDirectory);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {exitCode}:\n{output}");
        }
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var package in Packages)
        {
            var extracted = Path.Combine(cache, package.ToLowerInvariant(), Version);
            if (Directory.Exists(extracted))
            {
                Directory.Delete(extracted, recursive: true);
            }
        }

        return ValueTask.CompletedTask;
    }
}
