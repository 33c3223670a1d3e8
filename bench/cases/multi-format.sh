# Case 2: one build captured as qcow2 + vmdk + vdi + ova. Packer's qemu builder writes one format, so the fairest
# equivalent is what a Packer user writes: the qcow2 build plus a shell-local post-processor that runs the same
# qemu-img conversions Kiln runs (monolithicSparse vmdk, vdi, and an OVA of OVF 1.0 + streamOptimized vmdk + SHA256
# manifest, tarred .ovf first). The post-processor runs its commands one after another, as Packer users' do.

case_formats() {
    qemu_prepare || return 0
    local dir="$WORK/formats"
    mkdir -p "$dir/kiln" "$dir/packer"
    log "== formats: qcow2 + vmdk + vdi + ova from one build, $RUNS runs each, interleaved"
    kiln_definition "$dir/kiln/fmt.kiln.yaml" fmt "qcow2, vmdk, vdi, ova" 'shell: { inline: ["mkdir -p /opt/bench", "echo formats > /opt/bench/id"] }'
    cat > "$dir/packer/formats.sh" <<'SCRIPT'
#!/bin/sh
# Packer shell-local post-processor: the qcow2 Packer built, converted to the other formats Kiln captures.
set -eu
cd "$OUT"
qemu-img convert -f qcow2 -O vmdk -o subformat=monolithicSparse "$NAME.qcow2" "$NAME.vmdk"
qemu-img convert -f qcow2 -O vdi "$NAME.qcow2" "$NAME.vdi"
mkdir ova
qemu-img convert -f qcow2 -O vmdk -o subformat=streamOptimized "$NAME.qcow2" "ova/$NAME-disk1.vmdk"
size=$(stat -c %s "ova/$NAME-disk1.vmdk")
cat > "ova/$NAME.ovf" <<OVF
<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" ovf:version="1.0">
  <References><File ovf:href="$NAME-disk1.vmdk" ovf:id="file1" ovf:size="$size"/></References>
  <DiskSection><Info>Virtual disks</Info><Disk ovf:capacity="$CAPACITY" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/></DiskSection>
  <NetworkSection><Info>Networks</Info><Network ovf:name="NAT"><Description>NAT</Description></Network></NetworkSection>
  <VirtualSystem ovf:id="$NAME"><Info>A virtual machine</Info><Name>$NAME</Name>
    <VirtualHardwareSection><Info>Virtual hardware</Info>
      <System><vssd:ElementName>Virtual Hardware Family</vssd:ElementName><vssd:InstanceID>0</vssd:InstanceID><vssd:VirtualSystemIdentifier>$NAME</vssd:VirtualSystemIdentifier><vssd:VirtualSystemType>vmx-10 virtualbox-2.2</vssd:VirtualSystemType></System>
      <Item><rasd:ElementName>$CPUS CPU</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>$CPUS</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ElementName>$MEMORY MB</rasd:ElementName><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>$MEMORY</rasd:VirtualQuantity></Item>
      <Item><rasd:Address>0</rasd:Address><rasd:ElementName>sataController0</rasd:ElementName><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceSubType>AHCI</rasd:ResourceSubType><rasd:ResourceType>20</rasd:ResourceType></Item>
      <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:ElementName>disk1</rasd:ElementName><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
OVF
(cd ova && for f in "$NAME.ovf" "$NAME-disk1.vmdk"; do echo "SHA256($f)= $(sha256sum "$f" | cut -d' ' -f1)"; done > "$NAME.mf")
tar -cf "$NAME.ova" -C ova "$NAME.ovf" "$NAME.mf" "$NAME-disk1.vmdk"
rm -rf ova
SCRIPT
    chmod +x "$dir/packer/formats.sh"
    {
        echo '{ "builders": ['
        packer_builder fmt "$dir/packer-out"
        cat <<JSON
  ],
  "provisioners": [{ "type": "shell", "inline": ["mkdir -p /opt/bench", "echo formats > /opt/bench/id"] }],
  "post-processors": [{
    "type": "shell-local", "script": "$dir/packer/formats.sh",
    "environment_vars": ["OUT=$dir/packer-out", "NAME=fmt", "CPUS=$CPUS", "MEMORY=$MEMORY", "CAPACITY=$((DISK_MIB * 1048576))"]
  }]
}
JSON
    } > "$dir/packer/formats.json"

    local k=() p=()
    for ((i = 1; i <= RUNS; i++)); do
        rm -rf "$dir/kiln-out" "$dir/packer-out"
        if ! kiln_build "$dir/k$i.log" "$dir/kiln" "$dir/kiln-out" || ! formats_check "$dir/kiln-out/fmt/local"; then
            tail -40 "$dir/k$i.log" >&2; fail "formats: Kiln run $i failed"; return 0
        fi
        k+=("$(kiln_phases "$dir/k$i.log")")
        if ! packer_build "$dir/p$i.log" "$dir/packer/formats.json" || ! formats_check "$dir/packer-out"; then
            tail -40 "$dir/p$i.log" >&2; fail "formats: Packer run $i failed"; return 0
        fi
        p+=("$(packer_phases "$dir/p$i.log")")
        log "  run $i (total to-SSH provision shutdown convert): kiln ${k[-1]} | packer ${p[-1]}"
    done
    rm -rf "$dir/kiln-out" "$dir/packer-out"

    local kv pv
    kv=$(printf '%s\n' "${k[@]}" | column_median 5); pv=$(printf '%s\n' "${p[@]}" | column_median 5)
    row "formats: capture of qcow2 + vmdk + vdi + ova, s" "$kv" "$pv" "$(ratio "$kv" "$pv")" \
        "Kiln: powered off → last output in place (conversions run at once); Packer: \"Converting hard drive\" → build finished (its qcow2 conversion, then the post-processor's conversions in turn)"
    kv=$(printf '%s\n' "${k[@]}" | column_median 1); pv=$(printf '%s\n' "${p[@]}" | column_median 1)
    row "formats: total wall s" "$kv" "$pv" "$(ratio "$kv" "$pv")" "one build each, a 2-line inline provisioner; outputs checked with \`qemu-img check\` and \`tar\`"
}

# Every output of case 2 is read back: the disks by qemu-img check, the OVA's members in OVF order.
formats_check() {
    local out=$1 f
    for f in fmt.qcow2 fmt.vmdk fmt.vdi; do
        qemu-img check -q "$out/$f" || { log "formats: $out/$f fails qemu-img check"; return 1; }
    done
    [ "$(tar -tf "$out/fmt.ova" | head -1)" = fmt.ovf ] || { log "formats: $out/fmt.ova does not start with fmt.ovf"; return 1; }
}
