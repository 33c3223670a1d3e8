using Kiln.Builders.Qemu.Layers;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>
/// Saves the booted build machine for later builds of the same disk (a warm boot), once this build is logged in. The
/// login starts the user's session manager (about 2 s on an emulated CPU); a machine saved after it resumes with the
/// manager running, so the resumed build's first command does not wait for it. That session's connection is gone
/// after a resume, as it is in a machine saved after a provisioning step.
/// </summary>
internal sealed class SaveBootedMachineStep : IStep<QemuBuildState>
{
    private readonly List<ILedgerEntry> _files = [];

    public string Name => "save the booted machine";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (state.Warm is not { Saved: null } plan || state.Machine is null || state.Communicator is not { } communicator)
        {
            return;
        }

        // The session is set up before the first command runs: this waits for it.
        await communicator.ExecuteAsync(new RemoteCommand("true"), new CollectedOutput(), cancellationToken);
        await WarmBoot.SaveAsync(state, plan, _files, cancellationToken);
    }

    public async Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        foreach (var entry in _files)
        {
            File.Delete(entry.Resource.Id);
            await entry.ReleaseAsync(cancellationToken);
        }

        _files.Clear();
    }
}
