using System.ComponentModel;
using Kiln.Definitions;

namespace Kiln.Communicators;

/// <summary>
/// The keys of shell-local, which the provisioner and the publisher share (<see cref="InlineKeysAttribute"/>), with
/// their rules and local paths. <see cref="ShellLocalCommand"/> runs them.
/// </summary>
internal sealed class ShellLocalOptions : IValidatableConfig, ILocalPaths
{
    [Description("One command line, run with `<shell> -c`.")]
    public string? Command { get; init; }

    [Description("Commands run in order as one `<shell> -e -c` script; the first that fails stops it.")]
    public IReadOnlyList<string> Inline { get; init; } = [];

    [Description("A local script to run (directly if it is executable, otherwise with `shell`); relative to the definition file.")]
    public string? Script { get; init; }

    [Description("Extra environment variables; they replace the build's own of the same name. Values may be secrets: they are never logged.")]
    [FormerKey("environment")]
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    [Description("The shell that runs `command`, `inline` and a script that is not executable.")]
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
        var given = (Command is null ? 0 : 1) + (Inline.Count == 0 ? 0 : 1) + (Script is null ? 0 : 1);
        if (given != 1)
        {
            yield return new ConfigProblem(
                given == 0 ? "command" : "script",
                given == 0 ? "nothing to run" : "use only one of command, inline and script",
                "for example `command: ./scripts/notify.sh`, or `inline: [\"ls -l $KILN_OUTPUT\"]`");
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
