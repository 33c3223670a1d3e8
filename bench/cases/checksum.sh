# Case 5: sha256 of a large artifact, Kiln's checksum publisher code path vs sha256sum; time and peak memory.

case_checksum() {
    echo "== checksum: sha256 of a ${CHECKSUM_GIB} GiB file, $RUNS runs each, interleaved" >&2
    "$DOTNET" build -c Release "$ROOT/bench/checksum" --nologo --verbosity quiet >&2
    local exe="$ROOT/bench/checksum/bin/Release/net10.0/Kiln.Bench.Checksum"
    local file="$WORK/disk.img"
    # Incompressible content so neither side benefits from zero pages; written once, read by both from the page cache or disk alike.
    head -c "$((CHECKSUM_GIB * 1024 * 1024 * 1024))" /dev/urandom > "$file"
    local bytes; bytes=$(stat -c %s "$file")
    local k_times=() p_times=() k_rss=() p_rss=() expected=""
    for ((i = 1; i <= RUNS; i++)); do
        local out
        if ! out=$(/usr/bin/time -v -o "$WORK/time.k" "$exe" "$file"); then fail "checksum: Kiln run $i failed"; return; fi
        local k_sum=${out%% *}
        k_times+=("$(awk '/Elapsed \(wall clock\)/ { n = split($NF, t, ":"); s = 0; for (j = 1; j <= n; j++) s = s * 60 + t[j]; print s }' "$WORK/time.k")")
        k_rss+=("$(awk '/Maximum resident set size/ { print $NF }' "$WORK/time.k")")
        if ! out=$(/usr/bin/time -v -o "$WORK/time.p" sha256sum "$file"); then fail "checksum: sha256sum run $i failed"; return; fi
        expected=${out%% *}
        p_times+=("$(awk '/Elapsed \(wall clock\)/ { n = split($NF, t, ":"); s = 0; for (j = 1; j <= n; j++) s = s * 60 + t[j]; print s }' "$WORK/time.p")")
        p_rss+=("$(awk '/Maximum resident set size/ { print $NF }' "$WORK/time.p")")
        [ "$k_sum" = "$expected" ] || { fail "checksum: Kiln's digest $k_sum differs from sha256sum's $expected"; return; }
        echo "  run $i: kiln ${k_times[-1]} s (${k_rss[-1]} KiB), sha256sum ${p_times[-1]} s (${p_rss[-1]} KiB)" >&2
    done
    local kt pt kr pr
    kt=$(printf '%s\n' "${k_times[@]}" | median); pt=$(printf '%s\n' "${p_times[@]}" | median)
    kr=$(printf '%s\n' "${k_rss[@]}" | median); pr=$(printf '%s\n' "${p_rss[@]}" | median)
    local kmb pmb
    kmb=$(awk -v b="$bytes" -v s="$kt" 'BEGIN { printf "%.0f", b / 1048576 / s }')
    pmb=$(awk -v b="$bytes" -v s="$pt" 'BEGIN { printf "%.0f", b / 1048576 / s }')
    row "checksum: sha256, ${CHECKSUM_GIB} GiB, wall s (whole process, incl. .NET start)" "$kt" "$pt (sha256sum)" "$(ratio "$kt" "$pt")" "$RUNS runs each; digests equal"
    row "checksum: throughput MiB/s (higher is better)" "$kmb" "$pmb (sha256sum)" "$(ratio "$pmb" "$kmb") (inverse)" "ratio = sha256sum / Kiln, so lower is better here too"
    row "checksum: peak RSS MiB" "$(awk -v k="$kr" 'BEGIN { printf "%.0f", k / 1024 }')" "$(awk -v k="$pr" 'BEGIN { printf "%.0f", k / 1024 }') (sha256sum)" "$(ratio "$kr" "$pr")" "/usr/bin/time -v; file is ${CHECKSUM_GIB} GiB"
}
