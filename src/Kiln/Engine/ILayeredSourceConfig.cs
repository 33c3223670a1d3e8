namespace Kiln.Engine;

/// <summary>A source whose builder caches provisioning layers; <see cref="DiskShape"/> holds the settings that shape its disk.</summary>
public interface ILayeredSourceConfig
{
    /// <summary>The settings a layer's content depends on (base, disk size, machine), not those of capture or verify.</summary>
    object DiskShape { get; }
}
