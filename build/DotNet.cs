using System.Diagnostics;

namespace Kiln.RepositoryBuild;

/// <summary>Runs the dotnet CLI with inherited output; cancellation kills the whole process tree and waits for it.</summary>
internal static class DotNet
{
    public static async Task RunAsync(IReadOnlyList<string> arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var exitCode = await RunAllowingFailureAsync(arguments, workingDirectory, cancellationToken);
        if (exitCode != 0)
        {
            throw new BuildStepException($"dotnet {arguments[0]} exited with code {exitCode}.", "See the output above.");
        }
    }

    public static async Task<int> RunAllowingFailureAsync(IReadOnlyList<string> arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Executable) { WorkingDirectory = workingDirectory, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Child builds must not inherit this process's build-server settings or terminal logger quirks.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new BuildStepException($"Could not start {Executable}.", "Is the .NET SDK installed?");
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }
        return process.ExitCode;
    }

    /// <summary>The dotnet that runs this build (so the SDK chosen by build.sh also builds the solution).</summary>
    private static string Executable =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path
        : "dotnet";
}
