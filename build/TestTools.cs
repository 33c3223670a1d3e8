namespace Kiln.RepositoryBuild;

/// <summary>
/// PowerShell 7 for the tests that run ./build.ps1: a dotnet tool in .kiln/tools/, installed by the Test target when
/// it is missing, so that ./build.sh Test on a fresh clone runs them as CI does.
/// </summary>
internal static class TestTools
{
    public const string PowerShellVersion = "7.6.9";

    public static async Task EnsurePowerShellAsync(string root, CancellationToken cancellationToken)
    {
        var tools = Path.Combine(root, ".kiln", "tools");
        if (File.Exists(Path.Combine(tools, "pwsh")) && Directory.Exists(Path.Combine(tools, ".store", "powershell", PowerShellVersion)))
        {
            return;
        }

        // Another version, or a half-finished install: start again, as dotnet tool install does not replace either.
        if (Directory.Exists(tools))
        {
            Directory.Delete(tools, recursive: true);
        }

        Console.WriteLine($"Installing PowerShell {PowerShellVersion} (dotnet tool) into .kiln/tools, for the tests that run build.ps1");
        var exitCode = await DotNet.RunAllowingFailureAsync(["tool", "install", "PowerShell", "--version", PowerShellVersion, "--tool-path", tools], root, cancellationToken);
        if (exitCode != 0)
        {
            throw new BuildStepException(
                $"Could not install PowerShell {PowerShellVersion} into .kiln/tools (dotnet tool install exited with code {exitCode}).",
                $"The build.ps1 tests need it: run `dotnet tool install PowerShell --version {PowerShellVersion} --tool-path .kiln/tools` once NuGet is reachable.");
        }
    }
}
