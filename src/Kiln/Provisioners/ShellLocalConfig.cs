using System.ComponentModel;
using Kiln.Communicators;
using Kiln.Definitions;

namespace Kiln.Provisioners;

[Description("Runs a command on the build host (not on the machine), with the build's values in its environment: KILN_BUILD_NAME, KILN_IMAGE, KILN_SOURCE, KILN_SOURCE_TYPE, KILN_RUN_ID, KILN_OUTPUT and, when the machine is reachable over SSH, KILN_SSH_HOST, KILN_SSH_PORT, KILN_SSH_USER and KILN_SSH_PRIVATE_KEY_FILE.")]
internal sealed class ShellLocalConfig : ProvisionerConfig, IValidatableConfig, ILocalPaths
{
    [Description("A command line for `shell`.")]
    public string? Command { get; init; }

    [Description("Commands run as one script, in order; the first that fails stops it.")]
    public IReadOnlyList<string> Inline { get; init; } = [];

    [Description("A local script to run (directly if it is executable, otherwise with `shell`); relative to the definition file.")]
    public string? Script { get; init; }

    [Description("Extra environment variables. Values may be secrets: they are never logged.")]
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    [Description("The shell that runs `command` and `inline`.")]
    public string Shell { get; init; } = "/bin/sh";

    [Description("Where the command runs; relative to the definition file. Default: the definition file's directory.")]
    public string? WorkingDirectory { get; init; }

    [Description("Exit codes that count as success.")]
    public IReadOnlyList<int> ValidExitCodes { get; init; } = [0];

    public IEnumerable<LocalPath> LocalPaths()
    {
        if (Script is not null)
        {
            yield return new LocalPath("script", Script);
        }

        if (WorkingDirectory is not null)
        {
            yield return new LocalPath("working_directory", WorkingDirectory, LocalPathKind.Directory, Fingerprinted: false);
        }
    }

    public IEnumerable<ConfigProblem> Validate()
    {
        var sources = (Command is null ? 0 : 1) + (Inline.Count > 0 ? 1 : 0) + (Script is null ? 0 : 1);
        if (sources != 1)
        {
            yield return new ConfigProblem(
                sources == 0 ? "command" : "script",
                sources == 0 ? "nothing to run" : "use only one of command, inline and script",
                "for example `command: ./scripts/notify.sh`");
        }

        foreach (var name in Env.Keys.Where(n => !ShellQuote.IsValidName(n)))
        {
            yield return new ConfigProblem($"env.{name}", $"'{name}' is not a valid environment variable name", "use letters, digits and underscores, not starting with a digit");
        }

        if (ValidExitCodes.Count == 0)
        {
            yield return new ConfigProblem("valid_exit_codes", "no exit code would count as success", "for example `valid_exit_codes: [0, 2]`");
        }
    }
}
