namespace Kiln.Builders.Qemu.Layers;

/// <summary>A build's warm boot: resume from <see cref="Saved"/> if set, else save the machine once it answers SSH.</summary>
internal sealed class WarmPlan(LayerStore layers, string key, string qemu)
{
    public LayerStore Layers => layers;

    public WarmStore Store => layers.Warm;

    public string Key => key;

    /// <summary>The QEMU of this build (<c>qemu-system-x86_64 --version</c>'s first line).</summary>
    public string Qemu => qemu;

    public WarmInfo? Saved { get; private set; }

    private FileStream? _lock;

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
