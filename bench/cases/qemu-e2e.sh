# Case 1: one QEMU build end to end. Same base disk, vCPUs, memory, accelerator, shell provisioning (files written and
# a package installed from the mirror), shutdown and output (qcow2). Kiln's verify boot is off: Packer has none.
# Cold means cold: each Kiln run gets an empty cache of its own, so it boots the base and seals its provisioning layer
# as a user's first build does (the sealing is in its time), and never resumes from an earlier run's layer.
# Each run also builds once more with --no-cache (no layer sealed, no machine saved, no guest agent), in the same
# interleaving, so what caching costs a cold build is measured rather than argued.

case_e2e() {
    qemu_prepare || return 0
    local dir="$WORK/e2e"
    mkdir -p "$dir/kiln" "$dir/packer"
    log "== e2e: one QEMU build (qcow2), $RUNS runs each, interleaved"
    kiln_definition "$dir/kiln/e2e.kiln.yaml" e2e qcow2 "shell: { script: $WORK/qemu/provision.sh }"
    {
        echo '{ "builders": ['
        packer_builder e2e "$dir/packer-out"
        echo '  ], "provisioners": [{ "type": "shell", "script": "'"$WORK/qemu/provision.sh"'" }] }'
    } > "$dir/packer/e2e.json"

    local k=() p=() n=() seals=() writes=()
    for ((i = 1; i <= RUNS; i++)); do
        rm -rf "$dir/kiln-out" "$dir/packer-out"
        if ! KILN_CACHE="$dir/cache-$i" kiln_build "$dir/k$i.log" "$dir/kiln" "$dir/kiln-out" || ! qemu-img check -q "$dir/kiln-out/e2e/local/e2e.qcow2"; then
            tail -40 "$dir/k$i.log" >&2; fail "e2e: Kiln run $i failed"; return 0
        fi
        k+=("$(kiln_phases "$dir/k$i.log")")
        seals+=("$(sealing_seconds "$dir/k$i.log")")
        writes+=("$(layer_write_seconds "$dir/k$i.log")")
        rm -rf "$dir/cache-$i"
        if ! packer_build "$dir/p$i.log" "$dir/packer/e2e.json" || ! qemu-img check -q "$dir/packer-out/e2e.qcow2"; then
            tail -40 "$dir/p$i.log" >&2; fail "e2e: Packer run $i failed"; return 0
        fi
        p+=("$(packer_phases "$dir/p$i.log")")
        rm -rf "$dir/kiln-out"
        if ! KILN_CACHE="$dir/cache-$i" kiln_build "$dir/n$i.log" "$dir/kiln" "$dir/kiln-out" --no-cache || ! qemu-img check -q "$dir/kiln-out/e2e/local/e2e.qcow2"; then
            tail -40 "$dir/n$i.log" >&2; fail "e2e: Kiln run $i with --no-cache failed"; return 0
        fi
        n+=("$(kiln_phases "$dir/n$i.log")")
        rm -rf "$dir/cache-$i"
        log "  run $i (total to-SSH provision shutdown convert): kiln ${k[-1]} | packer ${p[-1]} | kiln --no-cache ${n[-1]}"
    done
    rm -rf "$dir/kiln-out" "$dir/packer-out"

    local names=("" "total wall s" "start to SSH, s" "provisioning, s" "shutdown, s" "conversion to qcow2, s")
    local notes=("" "whole process: \`./build.sh BuildImages\` (Restore/Compile skipped) vs \`packer build\`; Kiln's includes validation, the manifest and its sha256"
        "Kiln boots a copy-on-write overlay and looks for sshd's banner every 200 ms; Packer copies the base first, starts VNC, waits boot_wait (1 s), polls SSH every 5 s"
        "the same script; Kiln's span also removes its build key and cleans the guest"
        "Kiln: ACPI power button over QMP, then waits for QEMU to exit; Packer: \`poweroff\` over SSH, then polls"
        "Kiln flattens overlay + base; Packer compacts its copy")
    for c in 1 2 3 4 5; do
        local kv pv
        kv=$(printf '%s\n' "${k[@]}" | column_median "$c"); pv=$(printf '%s\n' "${p[@]}" | column_median "$c")
        row "e2e: ${names[$c]}" "$kv" "$pv" "$(ratio "$kv" "$pv")" "${notes[$c]}"
    done
    local kt nt pt
    kt=$(printf '%s\n' "${k[@]}" | column_median 1); nt=$(printf '%s\n' "${n[@]}" | column_median 1); pt=$(printf '%s\n' "${p[@]}" | column_median 1)
    row "e2e: total wall s, Kiln with --no-cache" "$nt" "$pt" "$(ratio "$nt" "$pt")" \
        "the same build with no layer sealed and no machine saved (no guest agent either), in the same interleaving: the ratio a cold build would have without caching"
    row "e2e: what caching costs a cold build, total wall s (cache on / off)" "$kt" "$nt" "$(ratio "$kt" "$nt")" \
        "Kiln's own two totals above: sealing the layer, writing it, saving the booted machine; both runs' guests vary by a few seconds (apt-get update, boot)"
    local sv wv
    sv=$(printf '%s\n' "${seals[@]}" | median)
    wv=$(printf '%s\n' "${writes[@]}" | median)
    row "e2e: sealing the provisioning layer, s (part of Kiln's provisioning)" "$sv" "-" "-" \
        "Kiln's 'sealed step 1 as layer … in N s': build key out and guest file systems frozen through the guest agent, QMP snapshot, thaw (the key stays out after the last step); Packer has no layers"
    row "e2e: writing the layer into the cache, s (in the background)" "$wv" "-" "-" \
        "Kiln's 'is cached (…, written in N s)': copy, rebase, sha256, rename, while the build shuts down and converts; the build waits only for what is left"
}

# Seconds Kiln spent writing provisioning layers into the cache, from its "is cached (…, written in N s)" lines.
layer_write_seconds() {
    awk '/is cached \(/ { for (i = 1; i < NF; i++) if ($i == "written" && $(i + 1) == "in") s += $(i + 2) } END { printf "%.1f\n", s + 0 }' "$1"
}

# Seconds Kiln spent sealing provisioning layers in one build, from its "sealed step k as layer … in N s" lines.
sealing_seconds() {
    awk '/sealed step [0-9]+ as layer/ { for (i = 1; i <= NF; i++) if ($i == "in") s += $(i + 1) } END { printf "%.1f\n", s + 0 }' "$1"
}
