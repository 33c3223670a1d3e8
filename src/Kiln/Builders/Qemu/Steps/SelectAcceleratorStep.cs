using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

internal sealed class SelectAcceleratorStep(ImageCache cache) : IStep<QemuBuildState>
{
    public string Name => "select accelerator";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken) =>
        state.UseKvm = await AcceleratorProbe.UseKvmAsync(state, cache, cancellationToken);

    public Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
