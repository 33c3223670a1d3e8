using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Docker.Steps;

/// <summary>Starts the container the provisioners work in and makes it the build's communicator.</summary>
internal sealed class StartBuildContainerStep : IStep<DockerBuildState>
{
    public string Name => "docker-run";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(DockerBuildState state, CancellationToken cancellationToken)
    {
        var lease = await ContainerLease.StartAsync(state, "build", state.BaseImageId!, labelled: false, cancellationToken);
        state.BuildContainer = lease;
        state.Communicator = lease.Communicator;
    }

    public async Task CleanupAsync(DockerBuildState state, CancellationToken cancellationToken)
    {
        if (state.BuildContainer is not { } lease)
        {
            return;
        }

        if (ReferenceEquals(state.Communicator, lease.Communicator))
        {
            state.Communicator = null;
        }

        await lease.RemoveAsync(state.Context.Log, cancellationToken);
        state.BuildContainer = null;
    }
}
