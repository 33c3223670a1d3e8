namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// The guest's half of sealing a layer. Every mounted ext2/3/4, xfs and btrfs file system is flushed and frozen
/// (fsfreeze), "kiln-frozen" is printed, and the script waits for a flag file on /dev/shm (a tmpfs, writable while
/// the disks are frozen) before it thaws them; after 30 s it thaws on its own, so a lost connection never leaves a
/// frozen guest. File systems that cannot be frozen are only synced: QEMU pauses the guest for the snapshot
/// anyway, so their layer is what a power cut right after a sync would leave, which their journal recovers.
/// </summary>
internal static class GuestFreeze
{
    public const string FrozenLine = "kiln-frozen";

    public const string AddKeyScript = """
        umask 077
        mkdir -p "$HOME/.ssh"
        grep -qxF "$KILN_KEY_LINE" "$HOME/.ssh/authorized_keys" 2>/dev/null || printf '%s\n' "$KILN_KEY_LINE" >> "$HOME/.ssh/authorized_keys"
        """;

    public static string Script(string flag) => $$"""
        trap '' HUP
        sync
        frozen=""
        for m in $(findmnt -rn -o TARGET,FSTYPE | awk '$2 ~ /^(ext[234]|xfs|btrfs)$/ { print $1 }' | sort -r); do
            fsfreeze --freeze "$m" 2>/dev/null && frozen="$m $frozen"
        done
        echo {{FrozenLine}}
        i=0
        while [ ! -e {{flag}} ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
        for m in $frozen; do fsfreeze --unfreeze "$m"; done
        rm -f {{flag}}
        """;
}
