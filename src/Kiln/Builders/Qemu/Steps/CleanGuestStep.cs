using System.Text;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>
/// Makes the disk fit to be copied before it is shut down (the build key went already, in the remove-key step): as
/// configured, the machine id, SSH host keys and apt caches go, so every machine made from the image is its own.
/// </summary>
internal sealed class CleanGuestStep : IStep<QemuBuildState>
{
    public string Name => "clean guest";

    public Stage Stage => Stage.Capture;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var communicator = state.Communicator ?? throw new KilnException("the guest cannot be cleaned: no SSH connection to it");
        var script = Script(state.Config);
        var output = new CollectedOutput();
        var result = await communicator.ExecuteAsync(new RemoteCommand(script) { Sudo = true }, output, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new KilnException($"cleaning the guest failed (exit {result.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none: disconnected"}):\n{output.Text}");
        }
    }

    public Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken) => Task.CompletedTask;

    internal static string Script(QemuSourceConfig config)
    {
        var script = new StringBuilder("set -e\n");
        if (config.CleanAptCache)
        {
            script.Append("apt-get clean\nrm -rf /var/lib/apt/lists/*\n");
        }

        if (config.CleanMachineId)
        {
            // Empty, not missing: systemd then makes a new id at the next boot and runs its first-boot units.
            script.Append(": > /etc/machine-id\nrm -f /var/lib/dbus/machine-id\n");
        }

        if (config.CleanHostKeys)
        {
            script.Append("rm -f /etc/ssh/ssh_host_*\n");
        }

        script.Append("sync\n");
        return script.ToString();
    }
}

/// <summary>Keeps a command's output for an error message.</summary>
internal sealed class CollectedOutput : ICommandOutput
{
    private readonly StringBuilder _text = new();

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public void StandardOutput(string line)
    {
        lock (_text)
        {
            _text.AppendLine(line);
        }
    }

    public void StandardError(string line) => StandardOutput(line);
}
