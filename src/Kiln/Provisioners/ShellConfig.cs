using System.ComponentModel;
using Kiln.Communicators;
using Kiln.Definitions;

namespace Kiln.Provisioners;

[Description("Runs shell scripts on the machine: `inline` commands, one `script` or several `scripts`. Each is uploaded to `remote_folder`, run with `execute_command`, and removed afterwards.")]
internal sealed class ShellConfig : ProvisionerConfig, IValidatableConfig, ILocalPaths
{
    public const string DefaultExecuteCommand = "chmod +x {path}; {vars} {path}";

    [Description("Commands run as one script, in order; the first that fails stops it (the script runs under `inline_shebang`).")]
    public IReadOnlyList<string> Inline { get; init; } = [];

    [Description("A local script to upload and run; relative to the definition file.")]
    public string? Script { get; init; }

    [Description("Local scripts to upload and run in order; relative to the definition file.")]
    public IReadOnlyList<string> Scripts { get; init; } = [];

    [Description("Environment variables for the scripts, on top of KILN_BUILD_NAME, KILN_IMAGE, KILN_SOURCE, KILN_SOURCE_TYPE, KILN_RUN_ID and KILN_OUTPUT. Values may be secrets: they are never logged.")]
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    [Description("How each script is run. `{path}` is the uploaded script's path (shell-quoted), `{vars}` the environment as shell-quoted `NAME='value'` assignments; without `{vars}`, the variables are exported before the command instead. Example: `sudo {vars} sh {path}`. Packer's `{{ .Path }}` and `{{ .Vars }}` work too, written `{{ \"{{\" }} .Path }}` since a definition interpolates `{{ }}` itself.")]
    public string ExecuteCommand { get; init; } = DefaultExecuteCommand;

    [Description("Run each script through `sudo -n` when the SSH user is not root (needs passwordless sudo).")]
    public bool Sudo { get; init; }

    [Description("The script may drop the connection (a reboot, an sshd restart): a disconnect is then success, and Kiln reconnects for what follows.")]
    public bool ExpectDisconnect { get; init; }

    [Description("Exit codes that count as success.")]
    public IReadOnlyList<int> ValidExitCodes { get; init; } = [0];

    [Description("Where scripts are uploaded on the machine.")]
    public string RemoteFolder { get; init; } = "/tmp";

    [Description("The first line of the script made from `inline`.")]
    public string InlineShebang { get; init; } = "/bin/sh -e";

    public IEnumerable<LocalPath> LocalPaths() =>
        Script is null ? LocalPath.Each("scripts", Scripts) : [new LocalPath("script", Script), .. LocalPath.Each("scripts", Scripts)];

    public IEnumerable<ConfigProblem> Validate()
    {
        var sources = (Inline.Count > 0 ? 1 : 0) + (Script is null ? 0 : 1) + (Scripts.Count > 0 ? 1 : 0);
        if (sources != 1)
        {
            yield return new ConfigProblem(
                sources == 0 ? "inline" : "script",
                sources == 0 ? "nothing to run" : "use only one of inline, script and scripts",
                "for example `inline: [\"apt-get update\"]` or `script: scripts/setup.sh`");
        }

        if (!ShellTemplate.HasPath(ExecuteCommand))
        {
            yield return new ConfigProblem("execute_command", "must contain {path}, where the script is", $"the default is `{DefaultExecuteCommand}`");
        }

        foreach (var name in Env.Keys.Where(n => !ShellQuote.IsValidName(n)))
        {
            yield return new ConfigProblem($"env.{name}", $"'{name}' is not a valid environment variable name", "use letters, digits and underscores, not starting with a digit");
        }

        if (ValidExitCodes.Count == 0)
        {
            yield return new ConfigProblem("valid_exit_codes", "no exit code would count as success", "for example `valid_exit_codes: [0, 2]`");
        }

        if (!RemoteFolder.StartsWith('/'))
        {
            yield return new ConfigProblem("remote_folder", "must be an absolute path on the machine", "for example `/tmp`");
        }
    }
}
