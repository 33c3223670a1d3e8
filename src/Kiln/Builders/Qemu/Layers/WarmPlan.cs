namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// One warm boot: resume from <see cref="Saved"/> if set, else save the machine. A saved machine's disk is a qcow2 on
/// top of <see cref="BaseDisk"/>: the base image, or the cached provisioning layer named by <see cref="Layer"/>.
/// </summary>
internal sealed class WarmPlan(LayerStore layers, string key, string qemu, string baseDisk, string baseFormat, string? layer)
{
    public LayerStore Layers => layers;

    public WarmStore Store => layers.Warm;

    public string Key => key;

    /// <summary>The QEMU of this build (<c>qemu-system-x86_64 --version</c>'s first line).</summary>
    public string Qemu => qemu;

    public string BaseDisk => baseDisk;

    public string BaseFormat => baseFormat;

    /// <summary>The provisioning layer the machine was saved on, or null for a base.</summary>
    public string? Layer => layer;

    public WarmInfo? Saved { get; private set; }

    private FileStream? _lock;

    /// <summary>The machine as it is after a cached provisioning step, for builds that resume after that step.</summary>
    public WarmPlan ForLayer(string layerKey, string layerDisk, string machineKey) => new(layers, machineKey, qemu, layerDisk, "qcow2", layerKey);

    public void Resume(WarmInfo saved, FileStream held)
    {
        Saved = saved;
        _lock = held;
    }

    /// <summary>Gives up the saved machine (it could not be resumed): the build boots cold and saves a new one.</summary>
    public void Forget()
    {
        Release();
        Saved = null;
    }

    public void Release()
    {
        _lock?.Dispose();
        _lock = null;
    }
}
