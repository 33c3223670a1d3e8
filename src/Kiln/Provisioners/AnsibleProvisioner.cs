using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kiln.Communicators;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Provisioners;

/// <summary>
/// Runs the real ansible-playbook against the machine, straight over SSH with the build key. The inventory lives in
/// a private directory under the build's work directory (through the ledger) and is removed afterwards.
/// </summary>
internal sealed class AnsibleProvisioner : Provisioner<AnsibleConfig>, IDeclaresHostRequirements
{
    public override string Type => "ansible";

    /// <summary>ansible-playbook, or the command configured instead when Kiln knows its package.</summary>
    public IEnumerable<HostRequirement> HostRequirements(object config) =>
        config is AnsibleConfig { Command: var command } && HostRequirement.PackageOf(command) is { } package
            ? [new HostRequirement(command, package)]
            : [];

    protected override async Task RunAsync(AnsibleConfig config, BuildState state, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var connection = ProvisionerCommunicator.RequireSsh(state, Type);
        var playbook = context.Image.ResolvePath(config.PlaybookFile);
        if (!File.Exists(playbook))
        {
            throw new KilnException($"ansible: playbook '{config.PlaybookFile}' not found (looked for {playbook}).", "Paths are relative to the definition file.");
        }

        var scratch = Path.Combine(context.WorkDirectory, "ansible-" + Guid.NewGuid().ToString("N")[..8]);
        await using var directory = await LedgeredDirectory.CreateAsync(context.Ledger, scratch, cancellationToken);
        UnixModes.Set(directory.Path, UnixModes.OwnerOnlyDirectory);
        var inventory = Path.Combine(directory.Path, "inventory.yml");
        await File.WriteAllTextAsync(inventory, Inventory(config, connection), cancellationToken);
        Directory.CreateDirectory(Path.Combine(directory.Path, "tmp"));

        var startInfo = new ProcessStartInfo(config.Command) { WorkingDirectory = context.Image.Directory };
        foreach (var argument in (string[])["-i", inventory, .. config.ExtraArguments, playbook])
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in Environment(config, state, directory.Path))
        {
            startInfo.Environment[name] = value;
        }

        context.Log.Info($"ansible: running {config.PlaybookFile} against {config.User ?? connection.Username}@{connection.Host}:{connection.Port}");
        var output = new CommandOutputTail(context.Log, redactor: context.Redactor);
        var exitCode = await LocalProcess.RunAsync(startInfo, output, cancellationToken, context.Ledger);
        if (exitCode != 0)
        {
            throw new KilnException(
                $"ansible: ansible-playbook {config.PlaybookFile} exited with code {exitCode}.{output.Describe()}",
                exitCode == 4
                    ? "Ansible could not reach the machine (exit code 4: unreachable); check the user and that Python is installed on it."
                    : "The playbook failed; its output above says which task.");
        }
    }

    // JSON is YAML, and Ansible's yaml inventory plugin reads it: no quoting rules of the INI format to get wrong.
    private static string Inventory(AnsibleConfig config, ConnectionInfo connection)
    {
        var host = new JsonObject
        {
            ["ansible_host"] = connection.Host,
            ["ansible_port"] = connection.Port,
            ["ansible_user"] = config.User ?? connection.Username,
            ["ansible_ssh_private_key_file"] = connection.PrivateKeyPath,
        };
        var children = new JsonObject();
        foreach (var group in config.Groups.Distinct(StringComparer.Ordinal))
        {
            children[group] = new JsonObject { ["hosts"] = new JsonObject { [config.HostAlias] = new JsonObject() } };
        }

        var all = new JsonObject { ["hosts"] = new JsonObject { [config.HostAlias] = host } };
        if (children.Count > 0)
        {
            all["children"] = children;
        }

        return new JsonObject { ["all"] = all }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static Dictionary<string, string> Environment(AnsibleConfig config, BuildState state, string scratch)
    {
        var environment = BuildEnvironment.For(state);
        // The machine is new and temporary: its host key is unknown, and must not land in the user's known_hosts.
        environment["ANSIBLE_HOST_KEY_CHECKING"] = "False";
        environment["ANSIBLE_SSH_ARGS"] = "-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o IdentitiesOnly=yes -o ControlMaster=auto -o ControlPersist=60s";
        environment["ANSIBLE_RETRY_FILES_ENABLED"] = "False";
        environment["ANSIBLE_NOCOLOR"] = "1";
        environment["ANSIBLE_FORCE_COLOR"] = "0";
        environment["ANSIBLE_LOCAL_TEMP"] = Path.Combine(scratch, "tmp");
        // Line by line into the build log as it happens, not in blocks when Python's buffer fills.
        environment["PYTHONUNBUFFERED"] = "1";
        foreach (var (name, value) in config.Env)
        {
            environment[name] = value;
        }

        return environment;
    }
}
