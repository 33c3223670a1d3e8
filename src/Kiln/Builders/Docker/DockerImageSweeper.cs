using Kiln.Docker;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Builders.Docker;

/// <summary>Removes an image a dead run left behind (an import, an unfinished commit), by the reference or id in its record.</summary>
internal sealed class DockerImageSweeper : IResourceSweeper
{
    public string Kind => DockerResources.ImageKind;

    public async Task SweepAsync(LedgerResource resource, CancellationToken cancellationToken)
    {
        using var client = DockerEngine.CreateClient(DockerResources.HostOf(resource));
        await DockerImages.RemoveAsync(client, resource.Id, cancellationToken, force: true);
    }
}
