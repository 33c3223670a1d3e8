using Kiln.Communicators;
using Kiln.Engine;

namespace Kiln.Provisioners;

/// <summary>Packer's shell-local: a command on the build host, output streamed into the build log, exit code checked.</summary>
internal sealed class ShellLocalProvisioner : Provisioner<ShellLocalConfig>
{
    public override string Type => "shell-local";

    // It runs on the build host: a cached layer cannot replay that.
    protected override bool Cacheable(ShellLocalConfig config) => false;

    // The step's own `timeout` (every provisioner's) already limits it.
    protected override Task RunAsync(ShellLocalConfig config, BuildState state, CancellationToken cancellationToken) =>
        ShellLocalCommand.RunAsync(config.Options, state, new Dictionary<string, string>(), timeout: null, cancellationToken);
}
