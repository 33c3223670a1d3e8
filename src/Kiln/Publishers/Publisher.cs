using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Publishers;

/// <summary>
/// Base of every publisher. Conventions the built-in ones follow: an artifact a publisher creates has
/// <see cref="Artifact.BuilderType"/> = the publisher's <see cref="Type"/> ("checksum", "compress", "vagrant",
/// "github-release"), the role Packer's post-processor ids play; pass-through publishers ("manifest", "shell-local")
/// return their inputs unchanged. Output files appear atomically (temp file + rename) and cancellation leaves none behind.
/// </summary>
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
