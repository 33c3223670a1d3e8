using Kiln.Definitions;
using Kiln.Pipeline;

namespace Kiln.Publishers;

public abstract class Publisher<TConfig> : IPublisher
    where TConfig : PublisherConfig
{
    public abstract string Type { get; }

    public Type ConfigType => typeof(TConfig);

    protected abstract Task<IReadOnlyList<Artifact>> PublishAsync(
        TConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken);

    Task<IReadOnlyList<Artifact>> IPublisher.PublishAsync(
        PublisherConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken) =>
        PublishAsync((TConfig)config, state, inputs, cancellationToken);
}
