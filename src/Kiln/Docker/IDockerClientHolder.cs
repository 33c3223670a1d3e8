using Docker.DotNet;

namespace Kiln.Docker;

/// <summary>A build state that holds an open Engine API client, which publishers reuse while the build runs.</summary>
internal interface IDockerClientHolder
{
    IDockerClient? Client { get; }
}
