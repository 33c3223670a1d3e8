using System.Diagnostics;
using System.Globalization;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Communicators;

/// <summary>
/// Runs shell-local's command on the build host, for the provisioner and the publisher alike: the build's values in its
/// environment, the caller's own after them and the entry's <c>env</c> last; output streamed into the build log; the
/// process ledgered, so cancellation and a timeout stop it and everything it started; the exit code checked.
/// </summary>
internal static class ShellLocalCommand
{
    /// <summary>
    /// What every shell-local command sees: KILN_BUILD_NAME, KILN_IMAGE, KILN_SOURCE, KILN_SOURCE_TYPE, KILN_RUN_ID,
    /// KILN_OUTPUT (absolute), Packer's PACKER_BUILD_NAME and PACKER_BUILDER_TYPE and, while the machine is reachable over
    /// SSH, KILN_SSH_HOST, KILN_SSH_PORT, KILN_SSH_USER and KILN_SSH_PRIVATE_KEY_FILE.
    /// </summary>
    public static Dictionary<string, string> Environment(BuildState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var environment = BuildEnvironment.For(state);
        environment["PACKER_BUILD_NAME"] = state.Context.BuildName;
        environment["PACKER_BUILDER_TYPE"] = state.Context.Source.Type;
        if (state.Communicator?.Connection is { } connection)
        {
            environment["KILN_SSH_HOST"] = connection.Host;
            environment["KILN_SSH_PORT"] = connection.Port.ToString(CultureInfo.InvariantCulture);
            environment["KILN_SSH_USER"] = connection.Username;
            environment["KILN_SSH_PRIVATE_KEY_FILE"] = connection.PrivateKeyPath;
        }

        return environment;
    }

    /// <param name="options">The entry's keys.</param>
    /// <param name="state">The build it runs for.</param>
    /// <param name="variables">The caller's own variables (a publisher's artifact), after the build's.</param>
    /// <param name="timeout">Stop the command after this long; null for no limit of its own.</param>
    /// <param name="cancellationToken">Stops the command and everything it started.</param>
    public static async Task RunAsync(
        ShellLocalOptions options, BuildState state, IReadOnlyDictionary<string, string> variables, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(variables);
        var context = state.Context;
        var (startInfo, command) = StartInfo(options, context);
        // The command line may hold an interpolated secret; the log redacts, and so must the error message.
        var description = context.Redactor.Redact(command);
        startInfo.WorkingDirectory = options.WorkingDirectory is null ? context.Image.Directory : context.Image.ResolvePath(options.WorkingDirectory);
        foreach (var (name, value) in Environment(state).Concat(variables).Concat(options.Env))
        {
            startInfo.Environment[name] = value;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } after)
        {
            limit.CancelAfter(after);
        }

        context.Log.Info($"shell-local: running {description}");
        var output = new CommandOutputTail(context.Log, redactor: context.Redactor);
        int exitCode;
        try
        {
            exitCode = await LocalProcess.RunAsync(startInfo, output, limit.Token, context.Ledger);
        }
        catch (OperationCanceledException) when (timeout is { } duration && !cancellationToken.IsCancellationRequested)
        {
            throw new KilnException(
                $"shell-local: {description} ran longer than its timeout of {Durations.Format(duration)} and was stopped.{output.Describe()}",
                "Raise `timeout`, or make the command faster.");
        }

        ValidExitCodes.Ensure(options.ValidExitCodes, exitCode, $"shell-local: {description}", $".{output.Describe()}", "command");
    }

    private static (ProcessStartInfo StartInfo, string Description) StartInfo(ShellLocalOptions options, BuildContext context)
    {
        if (options.Script is { } script)
        {
            var path = context.Image.ResolvePath(script);
            if (!File.Exists(path))
            {
                throw new KilnException($"shell-local: script '{script}' not found (looked for {path}).", "Paths are relative to the definition file.");
            }

            // An executable script runs itself, so its #! line counts; any other file is read by the shell.
            var executable = (UnixModes.Get(path, UnixFileMode.None) & UnixFileMode.UserExecute) != 0;
            var startInfo = executable ? new ProcessStartInfo(path) : new ProcessStartInfo(options.Shell) { ArgumentList = { path } };
            return (startInfo, $"script {script}");
        }

        var shell = new ProcessStartInfo(options.Shell);
        if (options.Command is { } command)
        {
            shell.ArgumentList.Add("-c");
            shell.ArgumentList.Add(command);
            return (shell, $"'{command}'");
        }

        shell.ArgumentList.Add("-e");
        shell.ArgumentList.Add("-c");
        shell.ArgumentList.Add(string.Join("\n", options.Inline));
        return (shell, $"{options.Inline.Count} inline command(s)");
    }
}
