using System.ComponentModel;
using System.Diagnostics;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Communicators;

/// <summary>
/// Runs a program on the build host, streaming its output line by line. With a ledger, the process is recorded
/// before it starts (a crashed run's leftovers are swept); on cancellation its whole tree is stopped.
/// </summary>
internal static class LocalProcess
{
    public static async Task<int> RunAsync(
        ProcessStartInfo startInfo, ICommandOutput output, CancellationToken cancellationToken, ILedger? ledger = null)
    {
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        // A closed stdin: a tool that prompts must fail rather than hang the build.
        startInfo.RedirectStandardInput = true;

        LedgeredProcess? ledgered = null;
        Process process;
        try
        {
            if (ledger is null)
            {
                process = Process.Start(startInfo) ?? throw new InvalidOperationException($"'{startInfo.FileName}' did not start");
            }
            else
            {
                ledgered = await LedgeredProcess.StartAsync(ledger, startInfo, cancellationToken);
                process = ledgered.Process;
            }
        }
        catch (Win32Exception ex)
        {
            throw new KilnException(
                $"Could not start '{startInfo.FileName}': {ex.Message}.",
                $"Install {Path.GetFileName(startInfo.FileName)} on the build host, or put it on PATH.");
        }

        try
        {
            var stdoutDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var stderrDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    stdoutDone.TrySetResult();
                }
                else
                {
                    output.StandardOutput(e.Data);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    stderrDone.TrySetResult();
                }
                else
                {
                    output.StandardError(e.Data);
                }
            };
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // A ledgered process is stopped (TERM, then KILL) and released by its disposal below.
                if (ledgered is null)
                {
                    Kill(process);
                    await process.WaitForExitAsync(CancellationToken.None);
                }

                throw;
            }

            await Task.WhenAll(stdoutDone.Task, stderrDone.Task);
            return process.ExitCode;
        }
        finally
        {
            if (ledgered is null)
            {
                process.Dispose();
            }
            else
            {
                await ledgered.DisposeAsync();
            }
        }
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
