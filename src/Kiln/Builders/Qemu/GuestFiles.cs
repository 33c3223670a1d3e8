namespace Kiln.Builders.Qemu;

/// <summary>
/// Files Kiln puts into a bootstrapped Debian system. The first-boot unit is what lets Kiln (and anyone using QEMU's
/// fw_cfg) hand a machine its SSH key without cloud-init: measured here, it adds well under a second to a boot.
/// </summary>
internal static class GuestFiles
{
    /// <summary>fw_cfg names the guest init reads; QEMU reserves "opt/" for users, the rest is our namespace.</summary>
    public const string AuthorizedKeysItem = "opt/dev.kiln/ssh-authorized-keys";

    public const string UserItem = "opt/dev.kiln/ssh-user";

    public const string GuestInitPath = "usr/lib/kiln/guest-init";

    public const string GuestInitUnit = "kiln-guest-init.service";

    public const string GuestInit = """
        #!/bin/sh
        # Kiln guest init: runs at every boot, before sshd. Installed by Kiln's Debian bootstrap.
        set -u

        # Images carry no SSH host keys, so every machine makes its own at its first boot. Ed25519 and ECDSA only:
        # an RSA key takes minutes to generate on an emulated CPU, and sshd serves the keys it finds.
        for type in ed25519 ecdsa; do
            if [ ! -s "/etc/ssh/ssh_host_${type}_key" ]; then
                rm -f "/etc/ssh/ssh_host_${type}_key" "/etc/ssh/ssh_host_${type}_key.pub"
                ssh-keygen -q -t "$type" -N '' -f "/etc/ssh/ssh_host_${type}_key"
            fi
        done

        # Grow the root partition and filesystem to fill the disk (images are resized to their disk_size).
        root_dev=$(findmnt -no SOURCE /)
        part=${root_dev#/dev/}
        if [ -r "/sys/class/block/$part/partition" ] && command -v growpart >/dev/null 2>&1; then
            disk=$(basename "$(readlink -f "/sys/class/block/$part/..")")
            number=$(cat "/sys/class/block/$part/partition")
            if growpart "/dev/$disk" "$number" >/dev/null 2>&1; then
                resize2fs "$root_dev" >/dev/null 2>&1 || true
            fi
        fi

        # An SSH key for this boot, from QEMU's fw_cfg (Kiln's build and verify machines pass one).
        modprobe qemu_fw_cfg 2>/dev/null || true
        dir=/sys/firmware/qemu_fw_cfg/by_name/opt/dev.kiln
        [ -r "$dir/ssh-authorized-keys/raw" ] || exit 0
        user=root
        if [ -r "$dir/ssh-user/raw" ]; then
            user=$(cat "$dir/ssh-user/raw")
        fi
        if ! id "$user" >/dev/null 2>&1; then
            useradd --create-home --shell /bin/bash "$user"
        fi
        if [ "$user" != root ]; then
            printf '%s ALL=(ALL) NOPASSWD:ALL\n' "$user" > "/etc/sudoers.d/90-kiln-$user"
            chmod 0440 "/etc/sudoers.d/90-kiln-$user"
        fi
        home=$(getent passwd "$user" | cut -d: -f6)
        group=$(id -gn "$user")
        install -d -m 0700 -o "$user" -g "$group" "$home/.ssh"
        touch "$home/.ssh/authorized_keys"
        while IFS= read -r key || [ -n "$key" ]; do
            [ -n "$key" ] || continue
            grep -qxF "$key" "$home/.ssh/authorized_keys" || printf '%s\n' "$key" >> "$home/.ssh/authorized_keys"
        done < "$dir/ssh-authorized-keys/raw"
        chown "$user:$group" "$home/.ssh/authorized_keys"
        chmod 0600 "$home/.ssh/authorized_keys"

        """;

    public const string GuestInitService = """
        [Unit]
        Description=Kiln guest init (SSH host keys, root partition size, SSH key from fw_cfg)
        After=local-fs.target
        Before=ssh.service

        [Service]
        Type=oneshot
        ExecStart=/usr/lib/kiln/guest-init
        RemainAfterExit=yes

        [Install]
        WantedBy=multi-user.target

        """;

    public const string DhcpNetwork = """
        [Match]
        Name=en* eth*

        [Network]
        DHCP=yes

        """;

    /// <summary>
    /// The kernel has virtio, AHCI and the Hyper-V disk drivers as modules; a dependency-scanned initramfs would
    /// only carry the build host's. This one carries a fixed list, small (about 6 MB) and the same for every host.
    /// </summary>
    public const string InitramfsHook = """
        #!/bin/sh
        PREREQ=""
        prereqs() { echo "$PREREQ"; }
        case "$1" in prereqs) prereqs; exit 0 ;; esac
        . /usr/share/initramfs-tools/hook-functions
        manual_add_modules virtio_pci virtio_blk virtio_scsi sd_mod ata_piix ahci nvme hv_vmbus hv_storvsc vmw_pvscsi ext4 crc32c_generic
        force_load virtio_pci
        force_load virtio_blk

        """;

    public const string InitramfsConf = "MODULES=list\n";

    public static string GrubConfig(Guid rootUuid) => $$"""
        # Written by Kiln's Debian bootstrap. /vmlinuz and /initrd.img follow kernel upgrades.
        set timeout=0
        set default=0
        search --no-floppy --fs-uuid --set=root {{rootUuid}}
        menuentry 'Debian GNU/Linux' {
            linux /vmlinuz root=UUID={{rootUuid}} ro console=tty0 console=ttyS0,115200n8 no_timer_check
            initrd /initrd.img
        }

        """;

    public static string Fstab(Guid rootUuid) => $"UUID={rootUuid} / ext4 errors=remount-ro 0 1\n";
}
