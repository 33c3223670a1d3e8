using System.ComponentModel;
using Kiln.Communicators;
using Kiln.Definitions;

namespace Kiln.Provisioners;

[Description("Runs `puppet apply` on the machine, as Packer's puppet-masterless does: the manifest, modules, Hiera configuration and data are uploaded to `staging_directory`, facts are passed as FACTER_* variables, and exit code 2 (changes applied) counts as success. Puppet must be installed on the machine (Debian: the puppet package). Chef is not supported.")]
internal sealed class PuppetMasterlessConfig : ProvisionerConfig, IValidatableConfig
{
    public const string DefaultExecuteCommand = "cd {working_directory} && {facter_vars} puppet apply --detailed-exitcodes --color=false {module_path} {hiera_config} {extra_arguments} {manifest_file}";

    [Description("The manifest (a .pp file) or a directory of manifests, applied as puppet apply's argument; relative to the definition file.")]
    public required string ManifestFile { get; init; }

    [Description("Local module directories, uploaded and passed as --modulepath in this order.")]
    public IReadOnlyList<string> ModulePaths { get; init; } = [];

    [Description("A local hiera.yaml, uploaded and passed as --hiera_config.")]
    public string? HieraConfigPath { get; init; }

    [Description("A local Hiera data directory, uploaded next to hiera.yaml under its own name, so the hiera.yaml's relative datadir finds it.")]
    public string? HieraDataDir { get; init; }

    [Description("Facts for the run, as FACTER_<name> environment variables: `facter: { role: web }` is $facts['role'] (and $::role).")]
    public IReadOnlyDictionary<string, string> Facter { get; init; } = new Dictionary<string, string>();

    [Description("Extra arguments for puppet apply, e.g. [\"--verbose\", \"--noop\"].")]
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    [Description("The command run on the machine. Placeholders: {working_directory}, {facter_vars} (shell-quoted FACTER_x='v' assignments), {module_path}, {hiera_config}, {extra_arguments}, {manifest_file} (each an option with a shell-quoted value, or nothing).")]
    public string ExecuteCommand { get; init; } = DefaultExecuteCommand;

    [Description("Run puppet without sudo even when the SSH user is not root.")]
    public bool PreventSudo { get; init; }

    [Description("Where the files are uploaded on the machine.")]
    public string StagingDirectory { get; init; } = "/tmp/kiln-puppet-masterless";

    [Description("Remove the staging directory after the run, so the image does not ship the manifests and Hiera data.")]
    public bool CleanStagingDirectory { get; init; } = true;

    [Description("Directory puppet runs in. Default: the staging directory.")]
    public string? WorkingDirectory { get; init; }

    [Description("Exit codes that count as success. puppet apply --detailed-exitcodes: 0 no changes, 2 changes, 4 failures, 6 changes and failures.")]
    public IReadOnlyList<int> ValidExitCodes { get; init; } = [0, 2];

    public IEnumerable<ConfigProblem> Validate()
    {
        if (string.IsNullOrWhiteSpace(ManifestFile))
        {
            yield return new ConfigProblem("manifest_file", "must not be empty", "for example `manifest_file: puppet/site.pp`");
        }

        if (!ExecuteCommand.Contains("{manifest_file}", StringComparison.Ordinal))
        {
            yield return new ConfigProblem("execute_command", "must contain {manifest_file}, the uploaded manifest", $"the default is `{DefaultExecuteCommand}`");
        }

        foreach (var name in Facter.Keys.Where(n => !ShellQuote.IsValidName("FACTER_" + n)))
        {
            yield return new ConfigProblem($"facter.{name}", $"'{name}' is not a valid fact name", "use letters, digits and underscores");
        }

        if (HieraDataDir is not null && HieraConfigPath is null)
        {
            yield return new ConfigProblem("hiera_data_dir", "Hiera data needs a hiera_config_path that points at it", "add hiera_config_path: hiera.yaml with a datadir relative to it");
        }

        foreach (var (key, path) in new[] { ("staging_directory", StagingDirectory), ("working_directory", WorkingDirectory ?? "/") })
        {
            if (!path.StartsWith('/'))
            {
                yield return new ConfigProblem(key, "must be an absolute path on the machine", "for example `/tmp/kiln-puppet-masterless`");
            }
        }

        if (ValidExitCodes.Count == 0)
        {
            yield return new ConfigProblem("valid_exit_codes", "no exit code would count as success", "for example `valid_exit_codes: [0, 2]`");
        }
    }
}
