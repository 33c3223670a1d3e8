using Kiln.IntegrationTests.Ci;

namespace Kiln.IntegrationTests.Template;

/// <summary>
/// PowerShell 7, as ./build.sh Test installs it (the dotnet tool into .kiln/tools/ of the repository), or the one on PATH.
/// </summary>
internal static class PowerShell
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var installed = System.IO.Path.Combine(WorkflowParser.Root, ".kiln", "tools", "pwsh");
        if (File.Exists(installed))
        {
            return installed;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator)
            .Select(directory => System.IO.Path.Combine(directory, "pwsh"))
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "pwsh not found: install it with `dotnet tool install PowerShell --version 7.6.9 --tool-path .kiln/tools` (./build.sh Test does).");
    }
}
