using Kiln.Builders.Qemu.Layers;

namespace Kiln.Builders.Qemu;

internal sealed partial class QemuBuildState
{
    /// <summary>This build's warm boot, when the cache is on and the source allows one.</summary>
    internal WarmPlan? Warm { get; set; }

    /// <summary>The build machine was resumed from a saved, booted machine instead of booting.</summary>
    public bool WarmResumed { get; internal set; }
}
