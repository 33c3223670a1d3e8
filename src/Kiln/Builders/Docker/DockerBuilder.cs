using Kiln.Builders.Docker.Steps;
using Kiln.Communicators.Docker;
using Kiln.Definitions;
using Kiln.Docker;
using Kiln.Engine;
using Kiln.Steps;

namespace Kiln.Builders.Docker;

/// <summary>
/// Container images from the same definition as the VM images: a container from a base image stands in for the
/// machine, the same provisioners run in it through <see cref="DockerCommunicator"/>, and
/// the result is committed, tagged and checked in a fresh container.
/// </summary>
internal sealed class DockerBuilder : Builder<DockerSourceConfig, DockerBuildState>
{
    public override string Type => "docker";

    protected override IEnumerable<IStep<DockerBuildState>> CreateSteps(DockerSourceConfig config, ResolvedSource source)
    {
        yield return new ConnectEngineStep();
        yield return new PrepareBaseImageStep();
        yield return new StartBuildContainerStep();
        yield return new ProvisionStep<DockerBuildState>();
        yield return new CommitImageStep();
        if (source.Verify.Count > 0)
        {
            yield return new StartVerifyContainerStep();
            yield return new VerifyStep<DockerBuildState>();
        }
    }

    protected override DockerBuildState CreateState(DockerSourceConfig config, BuildContext context) => new(config, context);

    protected override IEnumerable<string> DescribeOutputs(DockerSourceConfig config) => ["image_id", "image"];

    protected override IEnumerable<string> DescribeTemporaryResources(DockerSourceConfig config)
    {
        var host = DockerEngine.ResolveHost(config.DockerHost);
        if (config.RootfsTarball is { Length: > 0 } && !config.KeepIntermediateImages)
        {
            yield return $"docker image imported from {config.RootfsTarball} on {host}";
        }

        yield return $"docker container for the build on {host}";
    }
}
