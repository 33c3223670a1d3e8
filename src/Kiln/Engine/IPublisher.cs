using Kiln.Definitions;
using Kiln.Model;

namespace Kiln.Engine;

/// <summary>A post-processor: takes a build's artifacts and produces new ones (a manifest, checksums, a box, a release).</summary>
public interface IPublisher
{
    string Type { get; }

    Type ConfigType { get; }

    Task<IReadOnlyList<Artifact>> PublishAsync(
        PublisherConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken);
}
