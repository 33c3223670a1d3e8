using Kiln.Docker;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Docker.Steps;

/// <summary>Opens the Engine API client the other steps use, and checks the engine answers.</summary>
internal sealed class ConnectEngineStep : IStep<DockerBuildState>
{
    public string Name => "docker-connect";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(DockerBuildState state, CancellationToken cancellationToken)
    {
        state.Client = await DockerEngine.ConnectAsync(state.DockerHost, cancellationToken);
        var version = await state.Client.System.GetVersionAsync(cancellationToken);
        state.Context.Log.Info($"docker engine {version.Version} (API {version.APIVersion}) at {state.DockerHost}");
    }

    public Task CleanupAsync(DockerBuildState state, CancellationToken cancellationToken)
    {
        state.Client?.Dispose();
        state.Client = null;
        return Task.CompletedTask;
    }
}
