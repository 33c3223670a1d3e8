using System.ComponentModel;
using System.Diagnostics;
using Kiln.Diagnostics;

namespace Kiln.Communicators;

/// <summary>Runs a program on the build host, streaming its output line by line, and kills its whole tree on cancellation.</summary>
public static class LocalProcess
{
    public static async Task<int> RunAsync(ProcessStartInfo startInfo, ICommandOutput output, CancellationToken cancellationToken)
    {
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        // A closed stdin: a tool that prompts must fail rather than hang the build.
        startInfo.RedirectStandardInput = true;

        using var process = new Process { StartInfo = startInfo };
        var stdoutDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderrDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                stdoutDone.TrySetResult();
            else
                output.StandardOutput(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                stderrDone.TrySetResult();
            else
                output.StandardError(e.Data);
        };

        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new KilnException(
                $"Could not start '{startInfo.FileName}': {ex.Message}.",
                $"Install {Path.GetFileName(startInfo.FileName)} on the build host, or put it on PATH.");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }

        await Task.WhenAll(stdoutDone.Task, stderrDone.Task);
        return process.ExitCode;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
