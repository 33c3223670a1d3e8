using Kiln.Definitions;

namespace Kiln.Engine;

/// <summary>Changes a machine under construction (or checks it, under <c>verify:</c>) through the build's communicator.</summary>
public interface IProvisioner
{
    /// <summary>The list item's key that selects this provisioner, for example "shell".</summary>
    string Type { get; }

    Type ConfigType { get; }

    Task RunAsync(ProvisionerConfig config, BuildState state, CancellationToken cancellationToken);

    /// <summary>Local files this provisioner reads, so a change to them makes the image out of date.</summary>
    IEnumerable<string> InputFiles(ProvisionerConfig config) => [];
}
