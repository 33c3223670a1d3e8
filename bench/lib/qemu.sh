# The QEMU cases' shared ground: one base disk, one SSH key, and the Kiln definition and Packer template of a build,
# both written from the same values. Sourced by bench/run.sh after common.sh.

CPUS=2
MEMORY=1024
ACCEL=tcg
DISK_MIB=8192

QEMU_READY=""

# The base qcow2 both tools start from: Debian 12 bootstrapped by Kiln (mmdebstrap, cached by its inputs under
# ~/.cache/kiln), captured once by a Kiln build, then handed to both as a plain disk image. The key goes in through
# QEMU's fw_cfg, which the base's first-boot unit reads; Packer gets the same -fw_cfg argument, so both log in alike.
qemu_prepare() {
    [ -z "$QEMU_READY" ] || return 0
    local dir="$WORK/qemu"
    mkdir -p "$dir/base-def"
    ssh-keygen -q -t ed25519 -N '' -C kiln-bench -f "$dir/key"
    cat > "$dir/base-def/base.kiln.yaml" <<YAML
name: base
description: the benchmark's common base disk
sources:
  local:
    type: qemu
    base: { bootstrap: { suite: bookworm } }
    cpus: $CPUS
    memory: $MEMORY
    accelerator: $ACCEL
    formats: [qcow2]
    verify: { enabled: false }
provision:
  - shell: { inline: ["true"] }
YAML
    log "== preparing the common base disk (Kiln bootstrap, cached after the first time)"
    if ! "$ROOT/build.sh" BuildImages --templates "$dir/base-def" --output "$dir/base-out" --skip Restore Compile --no-cache > "$dir/base.log" 2>&1; then
        cat "$dir/base.log" >&2; fail "qemu: preparing the base disk failed"; return 1
    fi
    mv "$dir/base-out/base/local/base.qcow2" "$dir/base.qcow2"
    rm -rf "$dir/base-out"
    # The provisioning script both tools run: writes files, then installs a small package from the Debian mirror.
    cat > "$dir/provision.sh" <<'SCRIPT'
#!/bin/sh
set -eu
mkdir -p /opt/bench
echo "provisioned for the benchmark" > /opt/bench/release
for i in 1 2 3 4 5 6 7 8; do head -c 1048576 /dev/urandom > "/opt/bench/blob$i"; done
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends jq > /dev/null
jq --version
SCRIPT
    QEMU_READY=1
}

# kiln_definition <file> <name> <formats, YAML flow list items> <provisioner YAML, one line>
kiln_definition() {
    cat > "$1" <<YAML
name: $2
sources:
  local:
    type: qemu
    base: { image: $WORK/qemu/base.qcow2 }
    cpus: $CPUS
    memory: $MEMORY
    accelerator: $ACCEL
    disk_size: ${DISK_MIB}M
    formats: [$3]
    verify: { enabled: false }
provision:
  - $4
YAML
}

# packer_builder <name> <output dir>: one qemu builder, the same machine as kiln_definition's. Packer's own fixed
# costs are set as low as it allows: boot_wait 1s ("0s" means its 10 s default), cache=unsafe like Kiln's build disk.
packer_builder() {
    cat <<JSON
    {
      "name": "$1", "type": "qemu", "vm_name": "$1.qcow2", "output_directory": "$2",
      "iso_url": "file://$WORK/qemu/base.qcow2", "iso_checksum": "none", "disk_image": true, "disk_size": "${DISK_MIB}M",
      "format": "qcow2", "headless": true, "accelerator": "$ACCEL", "machine_type": "q35",
      "cpus": $CPUS, "memory": $MEMORY, "disk_interface": "virtio", "net_device": "virtio-net",
      "disk_cache": "unsafe", "disk_discard": "unmap", "boot_wait": "1s",
      "communicator": "ssh", "ssh_username": "root", "ssh_private_key_file": "$WORK/qemu/key", "ssh_timeout": "10m",
      "host_port_min": 2222, "host_port_max": 4444,
      "qemuargs": [
        ["-netdev", "user,id=user.0,hostfwd=tcp:127.0.0.1:{{ .SSHHostPort }}-:22"],
        ["-fw_cfg", "name=opt/dev.kiln/ssh-authorized-keys,file=$WORK/qemu/key.pub"]
      ],
      "shutdown_command": "poweroff"
    }
JSON
}

kiln_build() { # <log> <templates dir> <output dir> [more arguments]
    local log=$1 templates=$2 output=$3; shift 3
    timed_run "$log" "$ROOT/build.sh" BuildImages --templates "$templates" --output "$output" --skip Restore Compile "$@"
}

packer_build() { # <log> <template> [more arguments]
    local log=$1 template=$2; shift 2
    (cd "$(dirname "$template")" && timed_run "$log" packer build -color=false "$@" "$(basename "$template")")
}

last_at() { awk -v pat="$2" '{ line = $0; sub(/^[^ ]+ /, "", line) } line ~ pat { t = $1 } END { print t }' "$1"; }

# Phases read from a stamped log, printed as "total to_ssh provision shutdown convert". The patterns are the lines
# that start each phase: connected over SSH, shutdown begun, first conversion begun, last output written.
phases() {
    local l=$1 s end ssh down conv done
    s=$(start_of "$l"); end=$(end_of "$l")
    ssh=$(at "$l" "$2"); down=$(at "$l" "$3"); conv=$(at "$l" "$4"); done=$(last_at "$l" "$5")
    echo "$(diff_s "$s" "$end") $(diff_s "$s" "$ssh") $(diff_s "$ssh" "$down") $(diff_s "$down" "$conv") $(diff_s "$conv" "$done")"
}

kiln_phases() { phases "$1" '] connected to ' '] shutting down' '] convert to .*: started' '] captured '; }
packer_phases() { phases "$1" 'Connected to SSH!' 'Gracefully halting' 'Converting hard drive' "Build '.*' finished"; }

# column <n> of phase lines on stdin → median
column_median() { awk -v c="$1" '{ print $c }' | median; }
