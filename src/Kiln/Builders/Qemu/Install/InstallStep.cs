using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Install;

/// <summary>
/// Runs the installer on the empty disk: boots the ISO (or the kernel of base.boot), waits boot_wait, types
/// boot_command over QMP and waits until the machine powers off. QEMU runs with -no-reboot, so an installer that
/// reboots at the end also ends here; the build then boots the installed disk as it boots any base.
/// </summary>
internal sealed class InstallStep : IStep<QemuBuildState>
{
    private QemuMachine? _machine;

    public string Name => "install";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var context = state.Context;
        var (httpIp, httpPort) = (InstallerHttpServer.GuestVisibleIp, state.HttpPort ?? 0);
        var arguments = new List<string> { "-no-reboot" };
        arguments.AddRange(state.MachineArguments("build"));
        if (state.InstallerIsoPath is { } iso)
        {
            arguments.AddRange(InstallerMedia.Cdrom(iso, index: 2));
        }

        if (config.Base.Boot is { } boot)
        {
            var directory = Path.GetDirectoryName(context.Image.FilePath)!;
            arguments.AddRange(InstallerMedia.Kernel(
                ImageSource.LocalPath(boot.Kernel, directory),
                boot.Initrd is null ? null : ImageSource.LocalPath(boot.Initrd, directory),
                BootCommand.Expand(boot.Append, httpIp, httpPort)));
        }

        arguments.AddRange(config.QemuArgs);
        var options = new QemuMachineOptions
        {
            Name = $"kiln-{state.OutputName}-install",
            DiskPath = state.OverlayPath!,
            DiskFormat = "qcow2",
            Cpus = config.Cpus,
            MemoryMiB = config.Memory,
            UseKvm = state.UseKvm,
            Machine = UefiFirmware.Machine(config.Machine, config.SecureBoot),
            ExtraArguments = arguments,
        };
        var serialLog = Path.Combine(context.WorkDirectory, "install-console.log");
        context.Log.Info($"booting the installer ({options.Cpus} vCPU, {options.MemoryMiB} MiB, {(state.UseKvm ? "KVM" : "TCG")}, {config.Firmware.ToString().ToUpperInvariant()}); console log {serialLog}");
        _machine = await QemuMachine.StartAsync(context, options, serialLog, cancellationToken);
        var exited = _machine.WaitForExitAsync(cancellationToken);

        if (config.BootCommand.Count > 0)
        {
            await Task.WhenAny(exited, Task.Delay(config.BootWait, cancellationToken));
            if (!exited.IsCompleted)
            {
                context.Log.Info($"typing boot_command ({config.BootCommand.Count} line(s))");
                await TypeAsync(_machine, config, httpIp, httpPort, context, exited, cancellationToken);
            }
        }

        context.Log.Info($"waiting up to {Durations.Format(config.InstallTimeout)} for the installer to power the machine off");
        var finished = await Task.WhenAny(exited, Task.Delay(config.InstallTimeout, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        if (finished != exited)
        {
            throw new KilnException(
                $"the installer did not power the machine off within {Durations.Format(config.InstallTimeout)}.\n{_machine.SerialTail()}\n{Served(state)}",
                $"the whole console log is {serialLog}; check boot_command and the answer file, or set a longer install_timeout");
        }

        context.Log.Info($"the installer powered the machine off. {Served(state)}");
        await _machine.DisposeAsync();
        _machine = null;
    }

    public async Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (_machine is { } machine)
        {
            _machine = null;
            await machine.DisposeAsync();
        }
    }

    private static async Task TypeAsync(QemuMachine machine, QemuSourceConfig config, string httpIp, int httpPort, BuildContext context, Task exited, CancellationToken cancellationToken)
    {
        var held = new List<string>();
        foreach (var line in config.BootCommand)
        {
            var text = BootCommand.Expand(line, httpIp, httpPort);
            context.Log.Verbose("boot_command: " + context.Redactor.Redact(text));
            if (!BootCommand.TryParse(text, out var actions, out var error))
            {
                throw new KilnException($"boot_command: {error!.Message}", error.Hint);
            }

            foreach (var action in actions)
            {
                if (exited.IsCompleted)
                {
                    return; // the installer is done before its keystrokes: nothing left to type into
                }

                switch (action)
                {
                    case KeyPress press:
                        await machine.SendKeyAsync([.. held, .. press.Keys.Where(k => !held.Contains(k))], cancellationToken);
                        await Task.Delay(config.BootKeyInterval, cancellationToken);
                        break;
                    case BootWait wait:
                        await Task.WhenAny(exited, Task.Delay(wait.Duration, cancellationToken));
                        break;
                    case KeyHold { Down: true } hold when !held.Contains(hold.Key):
                        held.Add(hold.Key);
                        break;
                    case KeyHold { Down: false } release:
                        held.Remove(release.Key);
                        break;
                }
            }
        }
    }

    private static string Served(QemuBuildState state) =>
        state.HttpServer is null ? "" : state.HttpRequests.Count == 0 ? "The HTTP server had no requests." : "HTTP requests: " + string.Join(", ", state.HttpRequests);
}
