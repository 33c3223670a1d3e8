# Case 7 (issue 17): a second image on a warm base. The e2e build (the same script, files and a package from the
# mirror, qcow2 out), but the base's booted machine was already saved (in the case's own cache) by one untimed Kiln
# build with other provisioning, so Kiln resumes it instead of booting. Each timed run's script differs (its run
# number), so no provisioning layer is reused: only the boot is saved. Packer boots every time. Bar: Kiln / Packer ≤ 0.6.

case_warm() {
    qemu_prepare || return 0
    local dir="$WORK/warm"
    mkdir -p "$dir/kiln" "$dir/packer" "$dir/prime"
    log "== warm: e2e on a warm base, $RUNS runs each, interleaved (Kiln's warm state saved once, untimed)"
    kiln_definition "$dir/prime/prime.kiln.yaml" prime qcow2 'shell: { inline: ["echo priming the warm state"] }'
    if ! KILN_CACHE="$dir/cache" kiln_build "$dir/k0.log" "$dir/prime" "$dir/prime-out" --cache-size 8G || ! grep -q 'warm boot: saved the booted machine\|warm boot: resumed saved machine' "$dir/k0.log"; then
        tail -40 "$dir/k0.log" >&2; fail "warm: priming Kiln's warm state failed"; return 0
    fi
    rm -rf "$dir/prime-out"

    local k=() p=() warm=0
    for ((i = 1; i <= RUNS; i++)); do
        rm -rf "$dir/kiln-out" "$dir/packer-out"
        { cat "$WORK/qemu/provision.sh"; echo "echo 'second image, run $i' > /opt/bench/run"; } > "$dir/provision.sh"
        kiln_definition "$dir/kiln/warm.kiln.yaml" warm qcow2 "shell: { script: $dir/provision.sh }"
        {
            echo '{ "builders": ['
            packer_builder warm "$dir/packer-out"
            echo '  ], "provisioners": [{ "type": "shell", "script": "'"$dir/provision.sh"'" }] }'
        } > "$dir/packer/warm.json"
        if ! KILN_CACHE="$dir/cache" kiln_build "$dir/k$i.log" "$dir/kiln" "$dir/kiln-out" --cache-size 8G || ! qemu-img check -q "$dir/kiln-out/warm/local/warm.qcow2"; then
            tail -40 "$dir/k$i.log" >&2; fail "warm: Kiln run $i failed"; return 0
        fi
        grep -q 'warm boot: resumed saved machine' "$dir/k$i.log" && warm=$((warm + 1))
        k+=("$(kiln_phases "$dir/k$i.log")")
        if ! packer_build "$dir/p$i.log" "$dir/packer/warm.json" || ! qemu-img check -q "$dir/packer-out/warm.qcow2"; then
            tail -40 "$dir/p$i.log" >&2; fail "warm: Packer run $i failed"; return 0
        fi
        p+=("$(packer_phases "$dir/p$i.log")")
        log "  run $i (total to-SSH provision shutdown convert): kiln ${k[-1]} | packer ${p[-1]}"
    done
    rm -rf "$dir/kiln-out" "$dir/packer-out"

    local kv pv ks ps
    kv=$(printf '%s\n' "${k[@]}" | column_median 1); pv=$(printf '%s\n' "${p[@]}" | column_median 1)
    ks=$(printf '%s\n' "${k[@]}" | column_median 2); ps=$(printf '%s\n' "${p[@]}" | column_median 2)
    row "warm: second image on a warm base, total wall s" "$kv" "$pv" "$(ratio "$kv" "$pv")" \
        "Kiln resumed the saved machine in $warm of $RUNS runs (saved once by an untimed build); Packer boots; bar ≤ 0.6"
    row "warm: start to SSH, s" "$ks" "$ps" "$(ratio "$ks" "$ps")" "Kiln: -incoming, key/clock/entropy through the guest agent, then SSH; Packer: boot"
}
