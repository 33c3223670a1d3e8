# Case 6 (issue 17): change only the last of three provisioning steps and build again. Steps: the e2e script (files
# and a package from the mirror), a file, a small script whose text changes every run. Kiln resumes after step 2
# from its provisioning layers, resuming the machine saved on layer 2 (both primed by one untimed build); Packer has no
# layers and runs all three every time.

case_edit() {
    qemu_prepare || return 0
    local dir="$WORK/edit"
    mkdir -p "$dir/kiln" "$dir/packer"
    log "== edit: change the last of three steps and rebuild, $RUNS runs each, interleaved (Kiln primed once, untimed)"
    echo "motd for the benchmark" > "$dir/motd"
    edit_definitions "$dir" prime
    if ! KILN_CACHE="$dir/cache" kiln_build "$dir/k0.log" "$dir/kiln" "$dir/kiln-out" --cache-size 8G; then
        tail -40 "$dir/k0.log" >&2; fail "edit: priming Kiln's layers failed"; return 0
    fi

    local k=() p=() resumed=0 warm=0
    for ((i = 1; i <= RUNS; i++)); do
        rm -rf "$dir/kiln-out" "$dir/packer-out"
        edit_definitions "$dir" "run $i"
        if ! KILN_CACHE="$dir/cache" kiln_build "$dir/k$i.log" "$dir/kiln" "$dir/kiln-out" --cache-size 8G || ! qemu-img check -q "$dir/kiln-out/edit/local/edit.qcow2"; then
            tail -40 "$dir/k$i.log" >&2; fail "edit: Kiln run $i failed"; return 0
        fi
        grep -q 'resumed after step 2 of 3' "$dir/k$i.log" && resumed=$((resumed + 1))
        grep -q 'warm boot: resumed saved machine' "$dir/k$i.log" && warm=$((warm + 1))
        k+=("$(elapsed_of "$dir/k$i.log")")
        if ! packer_build "$dir/p$i.log" "$dir/packer/edit.json" || ! qemu-img check -q "$dir/packer-out/edit.qcow2"; then
            tail -40 "$dir/p$i.log" >&2; fail "edit: Packer run $i failed"; return 0
        fi
        p+=("$(elapsed_of "$dir/p$i.log")")
        log "  run $i (total wall s): kiln ${k[-1]} | packer ${p[-1]}"
    done
    rm -rf "$dir/kiln-out" "$dir/packer-out"

    local kv pv
    kv=$(printf '%s\n' "${k[@]}" | median); pv=$(printf '%s\n' "${p[@]}" | median)
    row "edit: rebuild after changing the last of 3 steps, wall s" "$kv" "$pv" "$(ratio "$kv" "$pv")" \
        "Kiln resumed after step 2 in $resumed of $RUNS runs, from the machine saved on that layer in $warm (layers and saved machines primed by one untimed build); Packer runs all three steps; bar ≤ 0.3"
}

# edit_definitions <dir> <text of the last step>: the same three steps for both tools; only the last one's text differs.
edit_definitions() {
    local dir=$1 text=$2
    printf '#!/bin/sh\nset -eu\necho "%s" > /opt/bench/last\n' "$text" > "$dir/last.sh"
    kiln_definition "$dir/kiln/edit.kiln.yaml" edit qcow2 "shell: { script: $WORK/qemu/provision.sh }"
    cat >> "$dir/kiln/edit.kiln.yaml" <<YAML
  - file: { source: $dir/motd, destination: /etc/motd }
  - shell: { script: $dir/last.sh }
YAML
    {
        echo '{ "builders": ['
        packer_builder edit "$dir/packer-out"
        echo '  ], "provisioners": ['
        echo '    { "type": "shell", "script": "'"$WORK/qemu/provision.sh"'" },'
        echo '    { "type": "file", "source": "'"$dir/motd"'", "destination": "/etc/motd" },'
        echo '    { "type": "shell", "script": "'"$dir/last.sh"'" }'
        echo '  ] }'
    } > "$dir/packer/edit.json"
}

elapsed_of() { diff_s "$(start_of "$1")" "$(end_of "$1")"; }
