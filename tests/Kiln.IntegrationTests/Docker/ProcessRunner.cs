using System.Diagnostics;
using System.Text;

namespace Kiln.IntegrationTests.Docker;

public sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;
}

/// <summary>Runs the real tools the tests use as consumers (docker, skopeo, umoci) and the services they start.</summary>
internal static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName, string arguments, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = new Process { StartInfo = Info(fileName, arguments, environment) };
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (error) { error.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProcessResult(process.ExitCode, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Runs a tool with its arguments passed as they are (no shell splitting); when <paramref name="timeout"/> passes
    /// or the test is cancelled, it is killed with its children. Output is stdout followed by stderr.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(bounded.Token);
            var stderr = process.StandardError.ReadToEndAsync(bounded.Token);
            await process.WaitForExitAsync(bounded.Token);
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>Starts a long-running service with its output in <paramref name="logPath"/>.</summary>
    public static Process Start(string fileName, string arguments, string logPath)
    {
        // The log exists before the process does: the shell creates it only once it runs, and a caller that reads it
        // while waiting for the process to come up must not race that.
        using (File.Open(logPath, FileMode.Append, FileAccess.Write))
        {
        }

        var info = Info("sh", "", null);
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"exec {fileName} {arguments} >>{logPath} 2>&1");
        info.RedirectStandardOutput = false;
        info.RedirectStandardError = false;
        return Process.Start(info)!;
    }

    private static ProcessStartInfo Info(string fileName, string arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return info;
    }
}
