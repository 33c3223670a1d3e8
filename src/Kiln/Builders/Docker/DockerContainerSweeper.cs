using Docker.DotNet;
using Docker.DotNet.Models;
using Kiln.Docker;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Builders.Docker;

/// <summary>Removes a build or verify container a dead run left behind, by the name or id in its ledger record.</summary>
internal sealed class DockerContainerSweeper : IResourceSweeper
{
    public string Kind => DockerResources.ContainerKind;

    public async Task SweepAsync(LedgerResource resource, CancellationToken cancellationToken)
    {
        using var client = DockerEngine.CreateClient(DockerResources.HostOf(resource));
        try
        {
            await client.Containers.RemoveContainerAsync(resource.Id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }
    }
}
