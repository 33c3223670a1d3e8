using System.Diagnostics;
using System.Text;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Builders.Qemu;

/// <summary>
/// Runs a host program (qemu-img, mmdebstrap, mke2fs, grub-mkimage) to completion through the ledger, streaming its
/// lines to a callback; a non-zero exit becomes a <see cref="KilnException"/> that quotes the tail of its output.
/// </summary>
internal static class HostTool
{
    private const int TailLines = 25;

    public static async Task<string> RunAsync(
        BuildContext context,
        string program,
        IEnumerable<string> arguments,
        CancellationToken cancellationToken,
        Action<string>? onLine = null,
        string? hint = null)
    {
        var startInfo = new ProcessStartInfo(Locate(program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        context.Log.Verbose($"running {program} {string.Join(' ', startInfo.ArgumentList.Select(Quote))}");
        var output = new StringBuilder();
        var tail = new Queue<string>();
        void Line(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (tail)
            {
                output.AppendLine(line);
                tail.Enqueue(line);
                if (tail.Count > TailLines)
                {
                    tail.Dequeue();
                }
            }

            onLine?.Invoke(line);
        }

        // Disposing stops the process (SIGTERM, then SIGKILL) if it still runs, e.g. after cancellation.
        await using var process = await LedgeredProcess.StartAsync(context.Ledger, startInfo, cancellationToken);
        process.Process.StandardInput.Close();
        var stdout = PumpAsync(process.Process.StandardOutput, Line);
        var stderr = PumpAsync(process.Process.StandardError, Line);
        await process.Process.WaitForExitAsync(cancellationToken);
        await Task.WhenAll(stdout, stderr);
        if (process.Process.ExitCode != 0)
        {
            string tailText;
            lock (tail)
            {
                tailText = string.Join("\n", tail);
            }

            throw new KilnException(
                $"{program} failed with exit code {process.Process.ExitCode}:\n{context.Redactor.Redact(tailText)}",
                hint ?? $"run it by hand to see more: {program} {string.Join(' ', startInfo.ArgumentList.Select(Quote))}");
        }

        lock (tail)
        {
            return output.ToString();
        }
    }

    /// <summary>The absolute path of a program on PATH (or /usr/sbin, /usr/lib/...), with an install hint when missing.</summary>
    public static string Locate(string program)
    {
        if (Path.IsPathRooted(program))
        {
            return File.Exists(program) ? program : throw Missing(program);
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var found = path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"])
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
        return found ?? throw Missing(program);
    }

    public static bool Exists(string program)
    {
        try
        {
            Locate(program);
            return true;
        }
        catch (KilnException)
        {
            return false;
        }
    }

    private static KilnException Missing(string program)
    {
        var package = HostRequirement.PackageOf(program);
        return new KilnException(
            $"'{program}' is not installed (not found on PATH)",
            package is null ? $"install {program}" : $"install it: apt-get install {package}");
    }

    private static async Task PumpAsync(StreamReader reader, Action<string?> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line);
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@+%".Contains(c, StringComparison.Ordinal))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
