using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>On the verify machine: the build's SSH key must not be in any authorized_keys of the captured image.</summary>
internal sealed class CheckBuildKeyRemovedStep : IStep<QemuBuildState>
{
    public const string CheckName = "build SSH key removed from the image";

    public string Name => "check build key removed";

    public Stage Stage => Stage.Verify;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (state.BuildKey is null)
        {
            return;
        }

        var communicator = state.Communicator ?? throw new KilnException("the verify machine has no SSH connection");
        // The blob is base64 (letters, digits, + / =): safe inside single quotes.
        var material = state.BuildKey.PublicKeyBlob;
        var output = new CollectedOutput();
        var result = await communicator.ExecuteAsync(
            new RemoteCommand(
                "found=0; for f in /root/.ssh/authorized_keys /home/*/.ssh/authorized_keys; do " +
                $"if [ -f \"$f\" ] && grep -qF '{material}' \"$f\"; then echo \"$f\"; found=1; fi; done; exit $found")
            { Sudo = true },
            output,
            cancellationToken);
        var passed = result.ExitCode == 0;
        state.Checks.Add(new CheckResult(CheckName, passed, passed ? null : $"found in: {output.Text.Trim()}"));
        if (!passed)
        {
            throw new KilnException($"the captured image still accepts the build key ({output.Text.Trim()})", "the clean guest step did not remove it; check the provisioners did not copy authorized_keys elsewhere");
        }
    }

    public Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
