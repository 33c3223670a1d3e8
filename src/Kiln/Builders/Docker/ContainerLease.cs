using Docker.DotNet;
using Docker.DotNet.Models;
using Kiln.Communicators.Docker;
using Kiln.Diagnostics;
using Kiln.Docker;
using Kiln.Engine;

namespace Kiln.Builders.Docker;

/// <summary>
/// A container this build started and must remove: recorded in the ledger under its (unique) name before it is
/// created, so a create that was cancelled half-way can still be found and removed.
/// </summary>
internal sealed class ContainerLease
{
    private readonly IDockerClient _client;
    private readonly ILedgerEntry _entry;

    private ContainerLease(IDockerClient client, ILedgerEntry entry, string name)
    {
        _client = client;
        _entry = entry;
        Name = name;
    }

    public string Name { get; }

    public string? Id { get; private set; }

    public DockerCommunicator? Communicator { get; private set; }

    public static async Task<ContainerLease> StartAsync(
        DockerBuildState state, string role, string image, bool labelled, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var name = state.ResourceName(role);
        var entry = await state.Context.Ledger.RecordAsync(DockerResources.Container(name, state.DockerHost), cancellationToken);
        var lease = new ContainerLease(state.Engine, entry, name);
        state.Context.Log.Info($"starting container {name} from {DockerNames.Short(image)}");
        try
        {
            var created = await state.Engine.Containers.CreateContainerAsync(
                new CreateContainerParameters
                {
                    Name = name,
                    Image = image,
                    Entrypoint = [.. config.RunCommand],
                    // The run command waits on a terminal nobody writes to, so the container stays up.
                    Tty = true,
                    OpenStdin = true,
                    // A label (like the environment) on the build container would be committed into the image and
                    // inherited by every container started from it; the unique name identifies it instead.
                    Labels = labelled ? new Dictionary<string, string> { [DockerResources.RunLabel] = state.Context.RunId } : null!,
                    HostConfig = new HostConfig
                    {
                        Binds = [.. config.Volumes.Select(v => $"{HostPath(state, v.Key)}:{v.Value}")],
                        Privileged = config.Privileged,
                        NetworkMode = config.NetworkMode ?? "",
                    },
                },
                cancellationToken);
            lease.Id = created.ID;
            await entry.UpdateAsync(DockerResources.Container(created.ID, state.DockerHost), cancellationToken);
            await state.Engine.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken);
            lease.Communicator = new DockerCommunicator(
                state.Engine,
                created.ID,
                Path.Combine(state.Context.WorkDirectory, "docker"),
                config.Env,
                state.BaseImageConfig.WorkingDir);
            return lease;
        }
        catch (DockerApiException ex)
        {
            await lease.RemoveAsync(state.Context.Log, CancellationToken.None);
            throw DockerEngine.Explain(ex, $"start container {name} from {image}", "Check that the run_command exists in the image and that volumes and network_mode are valid on this engine.");
        }
        catch
        {
            await lease.RemoveAsync(state.Context.Log, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Removes the container (killing what runs in it) and releases its ledger entry. Idempotent.</summary>
    public async Task RemoveAsync(IBuildLog log, CancellationToken cancellationToken)
    {
        if (Communicator is { } communicator)
        {
            await communicator.DisposeAsync();
            Communicator = null;
        }

        try
        {
            await _client.Containers.RemoveContainerAsync(Id ?? Name, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
            log.Verbose($"removed container {Name}");
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict && ex.ResponseBody?.Contains("already in progress", StringComparison.OrdinalIgnoreCase) == true)
        {
        }

        await _entry.ReleaseAsync(cancellationToken);
    }

    private static string HostPath(DockerBuildState state, string path)
    {
        var full = state.Context.Image.ResolvePath(path);
        return Directory.Exists(full) || File.Exists(full)
            ? full
            : throw new KilnException($"Volume source '{path}' does not exist (resolved to {full}).", "Volume host paths are relative to the definition file.");
    }
}
