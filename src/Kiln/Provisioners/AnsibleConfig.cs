using System.ComponentModel;
using Kiln.Communicators;
using Kiln.Definitions;

namespace Kiln.Provisioners;

[Description("Runs ansible-playbook on the build host against the machine over SSH. Kiln writes the inventory (one host, `host_alias`, in `groups`) and uses the build's SSH key; host key checking is off for this temporary host.")]
internal sealed class AnsibleConfig : ProvisionerConfig, IValidatableConfig, ILocalPaths
{
    [Description("The playbook; relative to the definition file.")]
    public required string PlaybookFile { get; init; }

    [Description("Inventory groups the machine belongs to, so plays that target a group run on it.")]
    public IReadOnlyList<string> Groups { get; init; } = [];

    [Description("The user Ansible logs in as. Default: the build's SSH user (the build key is authorized for that user).")]
    public string? User { get; init; }

    [Description("The machine's name in the inventory.")]
    public string HostAlias { get; init; } = "default";

    [Description("Extra arguments for ansible-playbook, for example `[\"--extra-vars\", \"role=web\", \"-v\"]`.")]
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    [Description("Extra environment variables for ansible-playbook (ANSIBLE_* settings, for example). Values may be secrets: they are never logged.")]
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    [Description("The ansible-playbook program: a name on PATH or a path.")]
    public string Command { get; init; } = "ansible-playbook";

    public IEnumerable<LocalPath> LocalPaths() => string.IsNullOrWhiteSpace(PlaybookFile) ? [] : [new LocalPath("playbook_file", PlaybookFile)];

    public IEnumerable<ConfigProblem> Validate()
    {
        if (string.IsNullOrWhiteSpace(PlaybookFile))
        {
            yield return new ConfigProblem("playbook_file", "must not be empty", "for example `playbook_file: ansible/site.yml`");
        }

        foreach (var name in Env.Keys.Where(n => !ShellQuote.IsValidName(n)))
        {
            yield return new ConfigProblem($"env.{name}", $"'{name}' is not a valid environment variable name", "use letters, digits and underscores, not starting with a digit");
        }

        foreach (var group in Groups.Where(g => g.Length == 0 || g.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_')))
        {
            yield return new ConfigProblem("groups", $"'{group}' is not a valid Ansible group name", "use letters, digits and underscores");
        }
    }
}
