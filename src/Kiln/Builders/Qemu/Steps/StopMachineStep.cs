using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>Ends the verify machine; it booted in snapshot mode, so nothing is written back and it can simply stop.</summary>
internal sealed class StopMachineStep : IStep<QemuBuildState>
{
    public string Name => "stop verify machine";

    public Stage Stage => Stage.Verify;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (state.Communicator is { } connection)
        {
            state.Communicator = null;
            await connection.DisposeAsync();
        }

        if (state.Machine is { } machine)
        {
            state.Machine = null;
            await machine.DisposeAsync();
        }
    }

    public Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
