using Kiln.Docker;
using Kiln.Engine;

namespace Kiln.Builders.Docker;

/// <summary>The ledger records of what the docker builder creates on an engine.</summary>
internal static class DockerResources
{
    public const string ContainerKind = "docker-container";
    public const string ImageKind = "docker-image";
    public const string HostKey = "docker_host";
    public const string RunLabel = "kiln.run";

    public static LedgerResource Container(string nameOrId, string host) =>
        new(ContainerKind, nameOrId, new Dictionary<string, string> { [HostKey] = host });

    public static LedgerResource Image(string referenceOrId, string host) =>
        new(ImageKind, referenceOrId, new Dictionary<string, string> { [HostKey] = host });

    internal static string HostOf(LedgerResource resource) =>
        resource.Data.TryGetValue(HostKey, out var host) ? host : DockerEngine.ResolveHost(null);
}
