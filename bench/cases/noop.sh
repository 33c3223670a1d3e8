# Case 3: ten definitions already built, built again. Packer has no notion of up to date and rebuilds all ten; Kiln
# compares fingerprints with the run-wide manifest and skips them. The first (cold) builds of the ten are timed too:
# Kiln with --parallel 2, Packer with -parallel-builds=2, the ten builders in one template.

case_noop() {
    qemu_prepare || return 0
    local count=10 dir="$WORK/noop"
    mkdir -p "$dir/kiln" "$dir/packer"
    log "== noop: $count images built cold once by each tool, then rebuilt ($RUNS Kiln runs, $PACKER_REBUILDS Packer run(s))"
    local n builders=()
    for ((n = 0; n < count; n++)); do
        kiln_definition "$dir/kiln/img$n.kiln.yaml" "img$n" qcow2 "shell: { inline: [\"mkdir -p /opt/bench\", \"echo img$n > /opt/bench/id\"] }"
        builders+=("$(packer_builder "img$n" "$dir/packer-out/img$n")")
    done
    {
        echo '{ "builders": ['
        (IFS=,; echo "${builders[*]}")
        echo '  ], "provisioners": [{ "type": "shell", "inline": ["mkdir -p /opt/bench", "echo {{ build_name }} > /opt/bench/id"] }] }'
    } > "$dir/packer/noop.json"

    if ! kiln_build "$dir/k-cold.log" "$dir/kiln" "$dir/kiln-out" --parallel 2 || ! grep -q "images: $count built" "$dir/k-cold.log"; then
        tail -60 "$dir/k-cold.log" >&2; fail "noop: Kiln's cold build of $count images failed"; return 0
    fi
    if ! packer_build "$dir/p-cold.log" "$dir/packer/noop.json" -parallel-builds=2; then
        tail -60 "$dir/p-cold.log" >&2; fail "noop: Packer's cold build of $count images failed"; return 0
    fi
    local kc pc
    kc=$(diff_s "$(start_of "$dir/k-cold.log")" "$(end_of "$dir/k-cold.log")")
    pc=$(diff_s "$(start_of "$dir/p-cold.log")" "$(end_of "$dir/p-cold.log")")
    log "  cold: kiln $kc s, packer $pc s"

    local k=() p=() i
    for ((i = 1; i <= RUNS || i <= PACKER_REBUILDS; i++)); do
        if ((i <= RUNS)); then
            if ! kiln_build "$dir/k$i.log" "$dir/kiln" "$dir/kiln-out" --parallel 2 || ! grep -q "images: 0 built, $count up to date" "$dir/k$i.log"; then
                tail -40 "$dir/k$i.log" >&2; fail "noop: Kiln rebuild $i did not find all $count images up to date"; return 0
            fi
            k+=("$(diff_s "$(start_of "$dir/k$i.log")" "$(end_of "$dir/k$i.log")")")
        fi
        if ((i <= PACKER_REBUILDS)); then
            if ! packer_build "$dir/p$i.log" "$dir/packer/noop.json" -force -parallel-builds=2; then
                tail -60 "$dir/p$i.log" >&2; fail "noop: Packer rebuild $i failed"; return 0
            fi
            p+=("$(diff_s "$(start_of "$dir/p$i.log")" "$(end_of "$dir/p$i.log")")")
        fi
        log "  rebuild $i: kiln ${k[i - 1]:-–} s, packer ${p[i - 1]:-–} s"
    done
    rm -rf "$dir/kiln-out" "$dir/packer-out"

    row "noop: cold build of $count images, wall s" "$kc" "$pc" "$(ratio "$kc" "$pc")" "1 run each, 2 at a time on 2 cores; the same inline provisioner"
    local kv pv
    kv=$(printf '%s\n' "${k[@]}" | median); pv=$(printf '%s\n' "${p[@]}" | median)
    row "noop: rebuild of $count built images, wall s" "$kv" "$pv" "$(ratio "$kv" "$pv")" \
        "Kiln: runs: $RUNS ($(spread "${k[@]}") s), all $count reported up to date, host start-up and fingerprinting included; Packer: $PACKER_REBUILDS run(s) of \`packer build -force\` (it rebuilds everything)"
}
