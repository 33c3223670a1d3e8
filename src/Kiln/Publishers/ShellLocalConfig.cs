using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Publishers;

[Description("Runs a command on the machine running Kiln once per input artifact, with the artifact in KILN_* environment variables.")]
internal sealed class ShellLocalConfig : PublisherConfig, IValidatableConfig, ILocalPaths
{
    [Description("One command line, run with `<shell> -c`.")]
    public string? Command { get; init; }

    [Description("Commands run in order by one `<shell> -e -c`; the first failing one stops it.")]
    public IReadOnlyList<string> Inline { get; init; } = [];

    [Description("A script file run with the shell (relative to the definition file).")]
    public string? Script { get; init; }

    [Description("The shell that runs the command, inline lines or script.")]
    public string Shell { get; init; } = "/bin/sh";

    [Description("Extra environment variables.")]
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    [Description("Working directory (relative to the definition file). Default: the definition file's directory.")]
    public string? WorkingDirectory { get; init; }

    [Description("Exit codes that count as success.")]
    public IReadOnlyList<int> ValidExitCodes { get; init; } = [0];

    [Description("Stop the command (and everything it started) after this long.")]
    public TimeSpan? Timeout { get; init; }

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
        var given = (Command is null ? 0 : 1) + (Inline.Count == 0 ? 0 : 1) + (Script is null ? 0 : 1);
        if (given != 1)
        {
            yield return new ConfigProblem(
                given == 0 ? "command" : "inline",
                given == 0 ? "nothing to run" : "give only one of command, inline and script",
                "for example `command: ./upload.sh`, or `inline: [\"ls -l $KILN_ARTIFACT_FILES\"]`");
        }

        if (ValidExitCodes.Count == 0)
        {
            yield return new ConfigProblem("valid_exit_codes", "at least one exit code must count as success", "for example `valid_exit_codes: [0]`");
        }
    }
}
