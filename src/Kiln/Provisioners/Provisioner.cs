using Kiln.Definitions;
using Kiln.Engine;

namespace Kiln.Provisioners;

public abstract class Provisioner<TConfig> : IProvisioner
    where TConfig : ProvisionerConfig
{
    public abstract string Type { get; }

    public Type ConfigType => typeof(TConfig);

    protected abstract Task RunAsync(TConfig config, BuildState state, CancellationToken cancellationToken);

    protected virtual IEnumerable<string> InputFiles(TConfig config) => [];

    Task IProvisioner.RunAsync(ProvisionerConfig config, BuildState state, CancellationToken cancellationToken) =>
        RunAsync((TConfig)config, state, cancellationToken);

    IEnumerable<string> IProvisioner.InputFiles(ProvisionerConfig config) => InputFiles((TConfig)config);
}
