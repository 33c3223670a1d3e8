using System.Globalization;
using Kiln.Builders.Qemu.Steps;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Steps;

namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// Takes the running build machine's disk as it is after a provisioning step: the build key leaves authorized_keys,
/// the guest's file systems are flushed and frozen, QEMU pauses and switches the disk to a new overlay (an external
/// snapshot), and the guest thaws. The key comes back unless no step follows (<c>keepKeyOut</c>): capture wants it
/// gone anyway. Through the guest agent when the machine has one (no process starts in the guest), else over SSH
/// (<see cref="GuestFreeze"/>).
/// </summary>
internal static class LayerSnapshot
{
    /// <summary>Switches the running machine to a new overlay; returns the disk as it was after the step.</summary>
    public static async Task<string> TakeAsync(QemuBuildState state, GuestAgent? agent, int step, bool keepKeyOut, List<ILedgerEntry> overlays, CancellationToken cancellationToken)
    {
        _ = state.Machine ?? throw new KilnException("no machine is running");
        _ = state.BuildKey ?? throw new KilnException("the build has no SSH key");
        return agent is null
            ? await OverSshAsync(state, step, keepKeyOut, overlays, cancellationToken)
            : await ThroughAgentAsync(state, agent, step, keepKeyOut, overlays, cancellationToken);
    }

    private static async Task<string> ThroughAgentAsync(QemuBuildState state, GuestAgent agent, int step, bool keepKeyOut, List<ILedgerEntry> overlays, CancellationToken cancellationToken)
    {
        var user = state.Config.SshUsername;
        var buildKey = state.BuildKey!.PublicKey.Trim();

        // The layer must not keep this build's key: a later build resuming from it brings its own.
        try
        {
            await agent.RemoveAuthorizedKeyAsync(user, buildKey, cancellationToken);

            // Freezing flushes first; file systems that cannot be frozen are skipped, and QEMU's pause covers them.
            await agent.FreezeFileSystemsAsync(cancellationToken);
            try
            {
                return await SwitchOverlayAsync(state, step, overlays, cancellationToken);
            }
            finally
            {
                await agent.ThawFileSystemsAsync(CancellationToken.None);
            }
        }
        finally
        {
            if (!keepKeyOut)
            {
                await agent.AddAuthorizedKeyAsync(user, buildKey, CancellationToken.None);
            }
        }
    }

    private static async Task<string> OverSshAsync(QemuBuildState state, int step, bool keepKeyOut, List<ILedgerEntry> overlays, CancellationToken cancellationToken)
    {
        var communicator = state.Communicator ?? throw new KilnException("no SSH connection to the machine");
        var buildKey = state.BuildKey!;
        var keyEnvironment = new Dictionary<string, string> { ["KILN_KEY"] = buildKey.PublicKeyBlob, ["KILN_KEY_LINE"] = buildKey.PublicKey.Trim() };

        // The layer must not keep this build's key: a later build resuming from it brings its own.
        await RunAsync(communicator, new RemoteCommand(RemoveBuildKeyStep<QemuBuildState>.Script("$HOME/.ssh/authorized_keys")) { Environment = keyEnvironment }, "remove the build key", cancellationToken);

        var flag = $"/dev/shm/kiln-thaw-{Guid.NewGuid():N}";
        var frozen = new LineSignal(GuestFreeze.FrozenLine);
        var freeze = communicator.ExecuteAsync(new RemoteCommand(GuestFreeze.Script(flag)) { Sudo = true }, frozen, cancellationToken);
        await Task.WhenAny(frozen.Seen, freeze);
        try
        {
            return await SwitchOverlayAsync(state, step, overlays, cancellationToken);
        }
        finally
        {
            // One command for both: the key's write waits for the thaw if it comes first.
            await RunAsync(
                communicator,
                new RemoteCommand(keepKeyOut ? $"touch {flag}" : $"touch {flag}\n{GuestFreeze.AddKeyScript}") { Environment = keyEnvironment },
                keepKeyOut ? "thaw the file systems" : "thaw the file systems and give the build key back",
                CancellationToken.None);
            await freeze;
        }
    }

    private static async Task<string> SwitchOverlayAsync(QemuBuildState state, int step, List<ILedgerEntry> overlays, CancellationToken cancellationToken)
    {
        var machine = state.Machine!;
        var disk = state.OverlayPath!;
        var next = Path.Combine(state.Context.WorkDirectory, string.Create(CultureInfo.InvariantCulture, $"{state.OutputName}-build-after-{step}.qcow2"));
        overlays.Add(await state.Context.Ledger.RecordAsync(new LedgerResource(FileSweeper.ResourceKind, next), cancellationToken));
        await machine.PauseAsync(cancellationToken);
        try
        {
            await machine.SnapshotDiskAsync(next, cancellationToken);
            state.OverlayPath = next;
        }
        finally
        {
            await machine.ContinueAsync(CancellationToken.None);
        }

        return disk;
    }

    private static async Task RunAsync(ICommunicator communicator, RemoteCommand command, string what, CancellationToken cancellationToken)
    {
        var output = new CollectedOutput();
        var result = await communicator.ExecuteAsync(command, output, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new KilnException($"could not {what} (exit {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}): {output.Text.Trim()}");
        }
    }

    /// <summary>Completes <see cref="Seen"/> when the command prints the given line.</summary>
    private sealed class LineSignal(string line) : ICommandOutput
    {
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Seen => _seen.Task;

        public void StandardOutput(string text)
        {
            if (text.Trim() == line)
            {
                _seen.TrySetResult();
            }
        }

        public void StandardError(string text)
        {
        }
    }
}
