using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Docker.Steps;

/// <summary>
/// Starts a fresh container from the committed image for the verify checks, so they see the image as users
/// will, not the build container with whatever the provisioners left running in it.
/// </summary>
internal sealed class StartVerifyContainerStep : IStep<DockerBuildState>
{
    private ContainerLease? _lease;

    public string Name => "docker-run-verify";

    public Stage Stage => Stage.Verify;

    public async Task RunAsync(DockerBuildState state, CancellationToken cancellationToken)
    {
        // The build container is done with; removing it now halves the disk a vfs engine needs.
        if (state.BuildContainer is { } build)
        {
            if (ReferenceEquals(state.Communicator, build.Communicator))
            {
                state.Communicator = null;
            }

            await build.RemoveAsync(state.Context.Log, cancellationToken);
            state.BuildContainer = null;
        }

        _lease = await ContainerLease.StartAsync(state, "verify", state.ImageId!, labelled: true, cancellationToken);
        state.Communicator = _lease.Communicator;
    }

    public async Task CleanupAsync(DockerBuildState state, CancellationToken cancellationToken)
    {
        if (_lease is null)
        {
            return;
        }

        if (ReferenceEquals(state.Communicator, _lease.Communicator))
        {
            state.Communicator = null;
        }

        await _lease.RemoveAsync(state.Context.Log, cancellationToken);
        _lease = null;
    }
}
