using System.Diagnostics;
using System.Globalization;
using Kiln.Communicators;
using Kiln.Diagnostics;
using Kiln.Engine;

namespace Kiln.Provisioners;

/// <summary>Packer's shell-local: a command on the build host, output streamed into the build log, exit code checked.</summary>
internal sealed class ShellLocalProvisioner : Provisioner<ShellLocalConfig>
{
    public override string Type => "shell-local";

    // It runs on the build host: a cached layer cannot replay that.
    protected override bool Cacheable(ShellLocalConfig config) => false;

    protected override async Task RunAsync(ShellLocalConfig config, BuildState state, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var (startInfo, command) = StartInfo(config, context);
        // The command line may hold an interpolated secret; the log redacts, and so must the error message.
        var description = context.Redactor.Redact(command);
        startInfo.WorkingDirectory = config.WorkingDirectory is null
            ? context.Image.Directory
            : context.Image.ResolvePath(config.WorkingDirectory);
        foreach (var (name, value) in Environment(config, state))
        {
            startInfo.Environment[name] = value;
        }

        context.Log.Info($"shell-local: running {description}");
        var output = new CommandOutputTail(context.Log, redactor: context.Redactor);
        var exitCode = await LocalProcess.RunAsync(startInfo, output, cancellationToken, context.Ledger);
        if (!config.ValidExitCodes.Contains(exitCode))
        {
            throw new KilnException(
                $"shell-local: {description} exited with code {exitCode}.{output.Describe()}",
                config.ValidExitCodes is [0]
                    ? "Fix the command, or list the codes that mean success in `valid_exit_codes`."
                    : $"Exit codes counted as success: {string.Join(", ", config.ValidExitCodes)}.");
        }
    }

    private static (ProcessStartInfo StartInfo, string Description) StartInfo(ShellLocalConfig config, BuildContext context)
    {
        if (config.Script is { } script)
        {
            var path = context.Image.ResolvePath(script);
            if (!File.Exists(path))
            {
                throw new KilnException($"shell-local: script '{script}' not found (looked for {path}).", "Paths are relative to the definition file.");
            }

            var executable = (UnixModes.Get(path, UnixFileMode.None) & UnixFileMode.UserExecute) != 0;
            var startInfo = executable ? new ProcessStartInfo(path) : new ProcessStartInfo(config.Shell) { ArgumentList = { path } };
            return (startInfo, $"script {script}");
        }

        var text = config.Command ?? string.Join("\n", config.Inline);
        var arguments = config.Command is null ? new[] { "-e", "-c", text } : ["-c", text];
        var shell = new ProcessStartInfo(config.Shell);
        foreach (var argument in arguments)
        {
            shell.ArgumentList.Add(argument);
        }

        return (shell, config.Command is null ? $"{config.Inline.Count} inline command(s)" : $"'{config.Command}'");
    }

    private static Dictionary<string, string> Environment(ShellLocalConfig config, BuildState state)
    {
        var environment = BuildEnvironment.For(state);
        if (state.Communicator?.Connection is { } connection)
        {
            environment["KILN_SSH_HOST"] = connection.Host;
            environment["KILN_SSH_PORT"] = connection.Port.ToString(CultureInfo.InvariantCulture);
            environment["KILN_SSH_USER"] = connection.Username;
            environment["KILN_SSH_PRIVATE_KEY_FILE"] = connection.PrivateKeyPath;
        }

        foreach (var (name, value) in config.Env)
        {
            environment[name] = value;
        }

        return environment;
    }
}
