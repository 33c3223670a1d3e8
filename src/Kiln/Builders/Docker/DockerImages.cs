using Docker.DotNet;
using Docker.DotNet.Models;

namespace Kiln.Builders.Docker;

internal static class DockerImages
{
    public static async Task<bool> ExistsAsync(IDockerClient client, string image, CancellationToken cancellationToken)
    {
        try
        {
            await client.Images.InspectImageAsync(image, cancellationToken);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Removes a tag (or, by id, the image and all its tags); gone already is fine.</summary>
    public static async Task RemoveAsync(IDockerClient client, string image, CancellationToken cancellationToken, bool force = false)
    {
        try
        {
            await client.Images.DeleteImageAsync(image, new ImageDeleteParameters { Force = force }, cancellationToken);
        }
        catch (DockerImageNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }
    }
}
