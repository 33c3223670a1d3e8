namespace Kiln.Builders.Qemu;

/// <summary>How a QEMU machine receives the build key and user.</summary>
internal enum GuestInit
{
    /// <summary>Both ways below at once: each base reads the one it understands.</summary>
    Auto,

    /// <summary>QEMU fw_cfg items, read by the first-boot unit in Kiln-built bases.</summary>
    Kiln,

    /// <summary>A NoCloud seed (a cidata disk), read by cloud-init in stock cloud images.</summary>
    CloudInit,

    /// <summary>Nothing: the base already accepts a login (ssh_password).</summary>
    None,
}
