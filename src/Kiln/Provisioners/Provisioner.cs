using Kiln.Definitions;
using Kiln.Engine;

namespace Kiln.Provisioners;

public abstract class Provisioner<TConfig> : IProvisioner
    where TConfig : ProvisionerConfig
{
    public abstract string Type { get; }

    public Type ConfigType => typeof(TConfig);

    protected abstract Task RunAsync(TConfig config, BuildState state, CancellationToken cancellationToken);

    /// <summary>By default the config's fingerprinted <see cref="ILocalPaths"/>.</summary>
    protected virtual IEnumerable<string> InputFiles(TConfig config) =>
        config is ILocalPaths local ? local.LocalPaths().Where(p => p.Fingerprinted).Select(p => p.Path) : [];

    protected virtual bool Cacheable(TConfig config) => true;

    Task IProvisioner.RunAsync(ProvisionerConfig config, BuildState state, CancellationToken cancellationToken) =>
        RunAsync((TConfig)config, state, cancellationToken);

    IEnumerable<string> IProvisioner.InputFiles(ProvisionerConfig config) => InputFiles((TConfig)config);

    bool IProvisioner.Cacheable(ProvisionerConfig config) => Cacheable((TConfig)config);
}
