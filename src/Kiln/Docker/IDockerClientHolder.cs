using Docker.DotNet;

namespace Kiln.Docker;

/// <summary>A build state that holds an open Engine API client, which publishers reuse while the build runs.</summary>
public interface IDockerClientHolder
{
    IDockerClient? Client { get; }
}
