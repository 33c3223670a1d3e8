using System.Diagnostics;
using System.Text;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Model;

namespace Kiln.Publishers;

/// <summary>
/// Runs a host command per input artifact and passes the artifacts on unchanged (like Packer's shell-local).
/// The command sees KILN_BUILD_NAME, KILN_IMAGE, KILN_SOURCE, KILN_SOURCE_TYPE, KILN_RUN_ID, KILN_OUTPUT (the output
/// directory), KILN_ARTIFACT_ID, KILN_ARTIFACT_BUILDER_TYPE, KILN_ARTIFACT_FILES (absolute paths, one per line),
/// KILN_ARTIFACT_OUTPUT_&lt;KEY&gt; per artifact output, and Packer's PACKER_BUILD_NAME and PACKER_BUILDER_TYPE.
/// </summary>
internal sealed class ShellLocalPublisher : Publisher<ShellLocalConfig>
{
    public override string Type => "shell-local";

    protected override async Task<IReadOnlyList<Artifact>> PublishAsync(
        ShellLocalConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        foreach (var artifact in inputs)
        {
            await RunAsync(config, state.Context, artifact, cancellationToken);
        }

        return inputs;
    }

    internal static Dictionary<string, string> Variables(BuildContext context, Artifact artifact)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KILN_BUILD_NAME"] = context.BuildName,
            ["KILN_IMAGE"] = context.Image.Name,
            ["KILN_SOURCE"] = context.Source.Name,
            ["KILN_SOURCE_TYPE"] = context.Source.Type,
            ["KILN_RUN_ID"] = context.RunId,
            ["KILN_OUTPUT"] = Path.GetFullPath(context.OutputDirectory),
            ["KILN_ARTIFACT_ID"] = artifact.Id,
            ["KILN_ARTIFACT_BUILDER_TYPE"] = artifact.BuilderType,
            ["KILN_ARTIFACT_FILES"] = string.Join("\n", artifact.Files.Select(f => Path.GetFullPath(f.Path))),
            ["PACKER_BUILD_NAME"] = context.BuildName,
            ["PACKER_BUILDER_TYPE"] = context.Source.Type,
        };
        foreach (var (key, value) in artifact.Outputs)
        {
            variables["KILN_ARTIFACT_OUTPUT_" + EnvironmentName(key)] = value;
        }

        return variables;
    }

    private static string EnvironmentName(string key)
    {
        var name = new StringBuilder(key.Length);
        foreach (var c in key)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        return name.ToString();
    }

    private static async Task RunAsync(ShellLocalConfig config, BuildContext context, Artifact artifact, CancellationToken cancellationToken)
    {
        var definitionDirectory = context.Image.Directory;
        var start = new ProcessStartInfo(config.Shell)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = config.WorkingDirectory is { } directory ? context.Image.ResolvePath(directory) : definitionDirectory,
        };
        if (config.Script is { } script)
        {
            start.ArgumentList.Add(context.Image.ResolvePath(script));
        }
        else if (config.Command is { } command)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(command);
        }
        else
        {
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(string.Join("\n", config.Inline));
        }

        foreach (var (key, value) in Variables(context, artifact).Concat(config.Environment))
        {
            start.Environment[key] = value;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (config.Timeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        context.Log.Info($"shell-local: running for artifact {artifact.Id}");
        int exitCode;
        try
        {
            exitCode = await RunProcessAsync(start, context, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KilnException($"shell-local: the command ran longer than its timeout of {config.Timeout}", "raise `timeout` or make the command faster");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new KilnException($"shell-local: could not start {config.Shell}: {ex.Message}", "set `shell` to an installed shell");
        }

        if (!config.ValidExitCodes.Contains(exitCode))
        {
            throw new KilnException(
                context.Redactor.Redact($"shell-local: the command exited with code {exitCode}"),
                $"its output is in the log above; valid_exit_codes accepts {string.Join(", ", config.ValidExitCodes)}");
        }
    }

    /// <summary>The process goes through the ledger; leaving this method by any path stops it and everything it started.</summary>
    private static async Task<int> RunProcessAsync(ProcessStartInfo start, BuildContext context, CancellationToken cancellationToken)
    {
        await using var running = await LedgeredProcess.StartAsync(context.Ledger, start, cancellationToken);
        var process = running.Process;
        process.StandardInput.Close();
        var stdout = PumpAsync(process.StandardOutput, line => context.Log.Output(line));
        var stderr = PumpAsync(process.StandardError, line => context.Log.Output(line, isError: true));
        await process.WaitForExitAsync(cancellationToken);
        await Task.WhenAll(stdout, stderr);
        return process.ExitCode;
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> write)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            write(line);
        }
    }
}
