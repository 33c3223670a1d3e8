using Kiln.Communicators;
using Kiln.Definitions;

namespace Kiln.Builders.Qemu;

/// <summary>The password, pseudo-terminal and jump host settings of a QEMU source, checked and turned into an SSH endpoint.</summary>
internal static class QemuLogin
{
    public static SshEndpoint Endpoint(QemuBuildState state, int port, SshKeyPair key)
    {
        var config = state.Config;
        return new SshEndpoint("127.0.0.1", port, config.SshUsername, key.PrivateKeyPath)
        {
            Timeout = config.SshTimeout,
            Password = config.SshPassword,
            Pty = config.SshPty,
            Bastion = config.SshBastionHost is { } host
                ? new SshBastion(host, config.SshBastionPort, config.SshBastionUsername ?? config.SshUsername)
                {
                    PrivateKeyPath = config.SshBastionPrivateKeyFile is { } file ? state.Context.Image.ResolvePath(file) : null,
                    Password = config.SshBastionPassword,
                }
                : null,
        };
    }

    public static IEnumerable<ConfigProblem> Validate(QemuSourceConfig config)
    {
        if (config.GuestInit == GuestInit.None && string.IsNullOrEmpty(config.SshPassword))
        {
            yield return new ConfigProblem("guest_init", "with guest_init: none nothing hands the machine a key, and there is no ssh_password to log in with", "set ssh_password, or let Kiln hand over a key (guest_init: auto)");
        }

        if (config.SshBastionHost is null)
        {
            foreach (var (key, value) in new[] { ("ssh_bastion_username", config.SshBastionUsername), ("ssh_bastion_private_key_file", config.SshBastionPrivateKeyFile), ("ssh_bastion_password", config.SshBastionPassword) })
            {
                if (value is not null)
                {
                    yield return new ConfigProblem(key, $"{key} is set but ssh_bastion_host is not", "set ssh_bastion_host to use a jump host");
                }
            }
        }
        else if (config.SshBastionPrivateKeyFile is null && config.SshBastionPassword is null)
        {
            yield return new ConfigProblem("ssh_bastion_host", "the jump host needs a way to log in", "set ssh_bastion_private_key_file or ssh_bastion_password");
        }

        if (config.SshBastionPort is < 1 or > 65535)
        {
            yield return new ConfigProblem("ssh_bastion_port", $"{config.SshBastionPort} is not a TCP port");
        }
    }
}
