namespace Kiln.Engine;

/// <summary>A builder that keeps provisioning layers: what InspectImages reports of them and what CleanImages drops.</summary>
public interface IProvisionLayerCache
{
    /// <summary>Where the layers are kept.</summary>
    string LayerDirectory { get; }

    /// <summary>How many leading steps of a build with these keys are cached (0: none), and when the last of them was.</summary>
    (int Steps, DateTimeOffset? Cached) CachedPrefix(ProvisionLayers layers);

    /// <summary>Removes every layer and saved machine (warm boots) no running build uses; returns how many went.</summary>
    int ClearLayers();

    /// <summary>One line for each saved, booted machine (warm boots) in the cache.</summary>
    IReadOnlyList<string> WarmStates() => [];
}
