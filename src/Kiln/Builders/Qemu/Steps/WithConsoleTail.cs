using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>
/// Adds the machine's last console lines to a failure of the step it wraps: when sshd answers but never accepts the
/// key (a guest that did not get its seed, a cloud-init error), the console says why.
/// </summary>
internal sealed class WithConsoleTail(IStep<QemuBuildState> inner) : IStep<QemuBuildState>
{
    public string Name => inner.Name;

    public Stage Stage => inner.Stage;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        try
        {
            await inner.RunAsync(state, cancellationToken);
        }
        catch (KilnException ex) when (state.Machine is { } machine)
        {
            throw new KilnException(
                $"{ex.Message}\n{machine.SerialTail()}",
                $"{ex.Hint} The whole console log is {machine.SerialLogPath}.".Trim(),
                ex);
        }
    }

    public Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken) => inner.CleanupAsync(state, cancellationToken);
}
