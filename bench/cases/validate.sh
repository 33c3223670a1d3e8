# Case 4: validating 100 definitions, one `./build.sh ValidateImages` vs `packer validate` per equivalent JSON template.

case_validate() {
    local count=100
    echo "== validate: $count definitions, $RUNS runs each, interleaved" >&2
    local kdir="$WORK/validate/kiln" pdir="$WORK/validate/packer"
    mkdir -p "$kdir" "$pdir"
    qemu-img create -q -f qcow2 "$WORK/validate/base.qcow2" 1G
    for ((n = 0; n < count; n++)); do
        cat > "$kdir/img$n.kiln.yaml" <<YAML
name: img$n
sources:
  local:
    type: qemu
    base: { image: ../base.qcow2 }
    cpus: 2
    memory: 1024
    accelerator: tcg
    formats: [qcow2]
    verify: { enabled: false }
provision:
  - shell:
      inline:
        - mkdir -p /opt/bench
        - echo "image $n" > /opt/bench/id
YAML
        cat > "$pdir/img$n.json" <<JSON
{
  "builders": [{
    "type": "qemu", "vm_name": "img$n.qcow2", "output_directory": "output-img$n",
    "iso_url": "file://$WORK/validate/base.qcow2", "iso_checksum": "none", "disk_image": true,
    "format": "qcow2", "skip_resize_disk": true, "headless": true, "accelerator": "tcg",
    "cpus": 2, "memory": 1024, "communicator": "ssh", "ssh_username": "root", "ssh_password": "bench",
    "host_port_min": 2222, "host_port_max": 4444, "shutdown_command": "poweroff"
  }],
  "provisioners": [{ "type": "shell", "inline": ["mkdir -p /opt/bench", "echo image $n > /opt/bench/id"] }]
}
JSON
    done
    "$ROOT/build.sh" --help >/dev/null   # compile the build project first: its start-up is timed, its compilation is not
    local k_times=() p_times=()
    for ((i = 1; i <= RUNS; i++)); do
        local start; start=$(now)
        if ! "$ROOT/build.sh" ValidateImages --templates "$kdir" > "$WORK/validate.k.log" 2>&1; then
            cat "$WORK/validate.k.log" >&2; fail "validate: Kiln run $i failed"; return
        fi
        k_times+=("$(elapsed "$start")")
        grep -q "($count checked)" "$WORK/validate.k.log" || { cat "$WORK/validate.k.log" >&2; fail "validate: Kiln did not report $count definitions checked"; return; }
        start=$(now)
        for ((n = 0; n < count; n++)); do
            if ! (cd "$pdir" && packer validate "img$n.json" > "$WORK/validate.p.log" 2>&1); then
                cat "$WORK/validate.p.log" >&2; fail "validate: packer validate img$n.json failed"; return
            fi
        done
        p_times+=("$(elapsed "$start")")
        echo "  run $i: kiln ${k_times[-1]} s, packer ${p_times[-1]} s" >&2
    done
    local kt pt
    kt=$(printf '%s\n' "${k_times[@]}" | median); pt=$(printf '%s\n' "${p_times[@]}" | median)
    row "validate: $count definitions, wall s" "$kt" "$pt" "$(ratio "$kt" "$pt")" "Kiln: one \`./build.sh ValidateImages\` (compiled; host start-up included); Packer: \`packer validate\` once per JSON file ($count processes; packer validates one template per call)"
}
