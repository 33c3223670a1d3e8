using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>
/// Waits for the provisioning layer still being written to the cache (it is written while the machine shuts down and
/// its disk is converted), so the build ends with its layers in place, or with a warning that one could not be.
/// </summary>
internal sealed class FinishLayersStep : IStep<QemuBuildState>
{
    public string Name => "finish caching layers";

    public Stage Stage => Stage.Capture;

    public Task RunAsync(QemuBuildState state, CancellationToken cancellationToken) =>
        state.Sealer is { } sealer ? sealer.FinishAsync(state.Context.Log) : Task.CompletedTask;

    public Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
