using Kiln.Builders.Qemu.Layers;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>
/// Boots a machine and waits until its SSH server answers. The SSH key (and user) go in through fw_cfg, read by
/// the image's first-boot unit. Used for the build machine and, in snapshot mode, for the captured image's verify boot.
/// </summary>
internal sealed class StartMachineStep(bool verifyBoot) : IStep<QemuBuildState>
{
    private readonly List<ILedgerEntry> _files = [];

    public string Name => verifyBoot ? "boot captured image" : "boot";

    public Stage Stage => verifyBoot ? Stage.Verify : Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var context = state.Context;
        var role = verifyBoot ? "verify" : "build";
        string disk, format;
        if (verifyBoot)
        {
            (disk, format) = BootableOutput(state);
        }
        else
        {
            (disk, format) = (state.OverlayPath!, "qcow2");
        }

        var firmware = new Dictionary<string, string>();
        if (state.ActiveKey is { } key && CloudInitSeed.UsesFirmwareConfig(state.Config))
        {
            firmware[GuestFiles.AuthorizedKeysItem] = await WriteFileAsync(state, $"{role}-authorized-keys", key.PublicKey.Trim() + "\n", cancellationToken);
            firmware[GuestFiles.UserItem] = await WriteFileAsync(state, $"{role}-ssh-user", config.SshUsername, cancellationToken);
        }

        var options = new QemuMachineOptions
        {
            Name = $"kiln-{state.OutputName}-{role}",
            DiskPath = disk,
            DiskFormat = format,
            Cpus = verifyBoot ? config.Verify.Cpus ?? config.Cpus : config.Cpus,
            MemoryMiB = verifyBoot ? config.Verify.Memory ?? config.Memory : config.Memory,
            UseKvm = state.UseKvm,
            Machine = Install.UefiFirmware.Machine(config.Machine, config.SecureBoot),
            Snapshot = verifyBoot,
            FirmwareFiles = firmware,
            ExtraArguments = [.. state.MachineArguments(role), .. config.QemuArgs],
            SeedImage = state.SeedImagePath,
            GuestAgent = !verifyBoot && state.Warm is not null,
        };
        var serialLog = Path.Combine(context.WorkDirectory, $"{role}-console.log");
        if (!verifyBoot && state.Warm is { Saved: not null } && await WarmBoot.TryResumeAsync(state, options, serialLog, cancellationToken))
        {
            context.Log.Info($"waiting for SSH on 127.0.0.1:{state.Machine!.SshPort}");
            await state.Machine.WaitForSshAsync(config.BootTimeout, cancellationToken);
            return;
        }

        context.Log.Info($"booting the {role} machine ({options.Cpus} vCPU, {options.MemoryMiB} MiB, {(state.UseKvm ? "KVM" : "TCG")}); console log {serialLog}");
        state.Machine = await QemuMachine.StartAsync(context, options, serialLog, cancellationToken);
        context.Log.Info($"waiting for SSH on 127.0.0.1:{state.Machine.SshPort}");
        await state.Machine.WaitForSshAsync(config.BootTimeout, cancellationToken);
    }

    public async Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (state.Machine is { } machine)
        {
            state.Machine = null;
            await machine.DisposeAsync();
        }

        foreach (var entry in _files)
        {
            File.Delete(entry.Resource.Id);
            await entry.ReleaseAsync(cancellationToken);
        }

        _files.Clear();
    }

    /// <summary>The captured disk the verify machine boots: qcow2 if captured, else any other format QEMU reads.</summary>
    internal static (string Path, string Format) BootableOutput(QemuBuildState state)
    {
        foreach (var format in new[] { DiskFormat.Qcow2, DiskFormat.Raw, DiskFormat.Vmdk, DiskFormat.Vdi, DiskFormat.Vhdx })
        {
            if (state.Artifacts.LastOrDefault()?.Outputs.TryGetValue(format.ToString().ToLowerInvariant(), out var path) == true)
            {
                return (path, DiskConverter.Target(format, false).Format);
            }
        }

        if (state.Artifacts.LastOrDefault()?.Outputs.TryGetValue("vmx_disk", out var vmxDisk) == true)
        {
            return (vmxDisk, "vmdk");
        }

        throw new KilnException("the verify boot needs a disk output (qcow2, raw, vmdk, vdi, vhdx or vmx), but only an OVA was captured", "add qcow2 to formats, or set verify.enabled: false");
    }

    private async Task<string> WriteFileAsync(QemuBuildState state, string name, string content, CancellationToken cancellationToken)
    {
        var path = Path.Combine(state.Context.WorkDirectory, name);
        _files.Add(await state.Context.Ledger.RecordAsync(new LedgerResource("file", path), cancellationToken));
        await File.WriteAllTextAsync(path, content, cancellationToken);
        return path;
    }
}
