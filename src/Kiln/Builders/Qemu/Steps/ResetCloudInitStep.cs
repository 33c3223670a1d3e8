using Kiln.Communicators;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>
/// Before capture, on a machine that runs cloud-init: removes what Kiln's seed put there (the build user, when the
/// seed created it, with its home and sudoers rule) and resets cloud-init (<c>cloud-init clean --logs --seed</c>), so
/// the captured image runs cloud-init again at its first boot, as official cloud images do. The user goes last: the
/// session stays open, but nothing more can be run as that user, so the machine is then powered off with the ACPI
/// button.
/// </summary>
internal sealed class ResetCloudInitStep : IStep<QemuBuildState>
{
    public string Name => "reset cloud-init";

    public Stage Stage => Stage.Capture;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (!CloudInitSeed.Enabled(state.Config) && state.Config.GuestInit != GuestInit.None)
        {
            return;
        }

        var communicator = state.Communicator ?? throw new KilnException("cloud-init cannot be reset: no SSH connection to the machine");
        var output = new CollectedOutput();
        var result = await communicator.ExecuteAsync(new RemoteCommand(Script(state.Config.SshUsername)) { Sudo = true }, output, cancellationToken);
        var lines = output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (result.ExitCode != 0)
        {
            throw new KilnException($"resetting cloud-init failed (exit {result.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none: disconnected"}):\n{output.Text}");
        }

        if (lines.Contains("no-cloud-init"))
        {
            state.Context.Log.Verbose("the machine has no cloud-init; nothing to reset");
            return;
        }

        state.BuildUserRemoved = lines.Contains("removed-user");
        state.Context.Log.Info(state.BuildUserRemoved
            ? $"cloud-init reset; removed the build user {state.Config.SshUsername}"
            : "cloud-init reset");
    }

    public Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken) => Task.CompletedTask;

    internal static string Script(string user) => $$"""
        set -e
        if ! command -v cloud-init >/dev/null 2>&1; then echo no-cloud-init; exit 0; fi
        cloud-init clean --logs --seed
        rm -rf /var/lib/cloud/seed/nocloud /var/lib/cloud/seed/nocloud-net
        user={{ShellQuote.Quote(user)}}
        if [ -e {{CloudInitSeed.CreatedUserMarker}} ] && [ "$user" != root ]; then
            f=/etc/sudoers.d/90-cloud-init-users
            if [ -f "$f" ]; then
                sed -i -e "/^# User rules for $user\$/d" -e "/^$user /d" "$f"
                grep -qv '^[[:space:]]*\(#.*\)\?$' "$f" || rm -f "$f"
            fi
            userdel --force --remove "$user" 2>/dev/null || userdel --force "$user"
            rm -f {{CloudInitSeed.CreatedUserMarker}}
            echo removed-user
        fi
        sync
        """;
}
