using System.Security.Cryptography;
using System.Text;
using Kiln.Communicators;
using Kiln.Diagnostics;
using Kiln.Engine;

namespace Kiln.Provisioners;

/// <summary>
/// Packer's shell provisioner: each script is uploaded (0700, owned by the SSH user), run with
/// <c>execute_command</c>, its output streamed into the build log, then removed from the machine.
/// </summary>
internal sealed class ShellProvisioner : Provisioner<ShellConfig>
{
    // Long enough to reconnect after an expected reboot; short when the build is being cancelled anyway.
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan CancelledCleanupTimeout = TimeSpan.FromSeconds(15);

    public override string Type => "shell";

    protected override async Task RunAsync(ShellConfig config, BuildState state, CancellationToken cancellationToken)
    {
        var communicator = ProvisionerCommunicator.Require(state, Type);
        var log = state.Context.Log;
        var environment = BuildEnvironment.With(state, config.Env);
        foreach (var (name, content) in await ScriptsAsync(config, state.Context, cancellationToken))
        {
            var remotePath = RemotePath.Combine(config.RemoteFolder, $"kiln-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}-{name}");
            await communicator.UploadAsync(new MemoryStream(content), remotePath, cancellationToken, mode: 0b111_000_000);
            try
            {
                await RunScriptAsync(config, communicator, state.Context, name, remotePath, environment, cancellationToken);
            }
            finally
            {
                await RemoveAsync(communicator, log, remotePath, cancellationToken);
            }
        }
    }

    private static async Task RunScriptAsync(
        ShellConfig config, ICommunicator communicator, BuildContext context, string name, string remotePath,
        IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var varsInline = ShellTemplate.HasVars(config.ExecuteCommand);
        var display = ShellTemplate.Display(config.ExecuteCommand, remotePath, environment, BuildEnvironment.NotSecret(config.Env));
        var command = new RemoteCommand(ShellTemplate.Expand(config.ExecuteCommand, remotePath, environment))
        {
            Environment = varsInline ? new Dictionary<string, string>() : environment,
            Sudo = config.Sudo,
            Display = display,
        };
        log.Info($"shell: running {name}");
        var output = new CommandOutputTail(log, redactor: context.Redactor);
        var result = await communicator.ExecuteAsync(command, output, cancellationToken);
        if (result.ExitCode is not { } exitCode)
        {
            if (config.ExpectDisconnect)
            {
                log.Info($"shell: {name} closed the connection, as expected (expect_disconnect)");
                return;
            }

            throw new KilnException(
                $"shell: the connection dropped while {name} ran (command: {display}).{output.Describe()}",
                "If the script reboots the machine or restarts sshd, set `expect_disconnect: true`.");
        }

        if (!config.ValidExitCodes.Contains(exitCode))
        {
            throw new KilnException(
                $"shell: {name} exited with code {exitCode} (command: {display}).{output.Describe()}",
                config.ValidExitCodes is [0]
                    ? "Fix the script, or list the codes that mean success in `valid_exit_codes`."
                    : $"Exit codes counted as success: {string.Join(", ", config.ValidExitCodes)}.");
        }
    }

    // A script left in /tmp would ship in the image; after an expected disconnect this reconnects first.
    private static async Task RemoveAsync(ICommunicator communicator, IBuildLog log, string remotePath, CancellationToken cancellationToken)
    {
        using var bounded = cancellationToken.IsCancellationRequested ? new CancellationTokenSource() : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(cancellationToken.IsCancellationRequested ? CancelledCleanupTimeout : CleanupTimeout);
        try
        {
            var output = new CommandOutputTail();
            var result = await communicator.ExecuteAsync(new RemoteCommand("rm -f -- " + ShellQuote.Quote(remotePath)), output, bounded.Token);
            if (result.ExitCode != 0)
            {
                log.Warn($"shell: could not remove {remotePath} from the machine (exit code {result.ExitCode?.ToString() ?? "none: disconnected"}){output.Describe()}");
            }
        }
        catch (Exception ex) when (ex is KilnException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            log.Warn($"shell: could not remove {remotePath} from the machine: {ex.Message}");
        }
        catch (OperationCanceledException)
        {
            log.Warn($"shell: the build was cancelled before {remotePath} could be removed from the machine");
        }
    }

    private static async Task<List<(string Name, byte[] Content)>> ScriptsAsync(ShellConfig config, BuildContext context, CancellationToken cancellationToken)
    {
        if (config.Inline.Count > 0)
        {
            var text = $"#!{config.InlineShebang}\n" + string.Join("\n", config.Inline) + "\n";
            return [("inline.sh", Encoding.UTF8.GetBytes(text))];
        }

        var scripts = new List<(string, byte[])>();
        foreach (var script in config.Script is null ? config.Scripts : [config.Script])
        {
            var path = context.Image.ResolvePath(script);
            if (!File.Exists(path))
            {
                throw new KilnException($"shell: script '{script}' not found (looked for {path}).", "Paths are relative to the definition file.");
            }

            scripts.Add((Path.GetFileName(path), await File.ReadAllBytesAsync(path, cancellationToken)));
        }

        return scripts;
    }
}
