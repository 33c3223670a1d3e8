using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>Powers the guest off cleanly (shutdown_command over SSH, else the ACPI power button over QMP) and waits for QEMU to exit.</summary>
internal sealed class ShutdownStep : IStep<QemuBuildState>
{
    public string Name => "shut down";

    public Stage Stage => Stage.Capture;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var machine = state.Machine ?? throw new KilnException("there is no machine to shut down");
        var config = state.Config;
        if (config.ShutdownCommand is { } command && state.Communicator is { } communicator)
        {
            state.Context.Log.Info($"shutting down: {command}");
            try
            {
                // The connection usually drops as the guest goes down; only the power-off itself counts.
                await communicator.ExecuteAsync(new RemoteCommand(command) { Sudo = true }, new CollectedOutput(), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                state.Context.Log.Verbose($"shutdown command ended with: {ex.Message}");
            }
        }
        else
        {
            state.Context.Log.Info("shutting down: ACPI power button");
            await machine.PowerDownAsync(cancellationToken);
        }

        await machine.WaitForPowerOffAsync(config.ShutdownTimeout, cancellationToken);
        state.Machine = null;
        await machine.DisposeAsync();
        if (state.Communicator is { } connection)
        {
            // Its machine is gone; the verify machine gets a connection of its own.
            state.Communicator = null;
            await connection.DisposeAsync();
        }
    }

    public Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
