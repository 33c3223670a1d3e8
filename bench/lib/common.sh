# Helpers shared by the benchmark cases; sourced by bench/run.sh.

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v k="$1" -v p="$2" 'BEGIN { if (p + 0 == 0) print "n/a"; else if (k / p < 0.01) printf "%.4f\n", k / p; else printf "%.2f\n", k / p }'; }
now() { printf '%s\n' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", b - a }'; }
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "nan"; else printf "%.1f\n", b - a }'; }
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 |"); }
fail() { echo "bench: $*" >&2; FAILED=1; }
log() { echo "$*" >&2; }

# Prefixes every line with the wall-clock time it arrived, so phases can be read from either tool's output alike.
stamp() { local line; while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done; }

# The time of the first stamped line in $1 matching the awk regex $2 (empty when none does).
at() { awk -v pat="$2" '{ line = $0; sub(/^[^ ]+ /, "", line) } line ~ pat { print $1; exit }' "$1"; }

# Runs "$@" with its output stamped into $log; the first line of the log is the start time.
# Returns the command's exit status.
timed_run() {
    local log=$1; shift
    printf '%s %s\n' "$EPOCHREALTIME" "-- start: $*" > "$log"
    "$@" 2>&1 | stamp >> "$log"
    local rc=${PIPESTATUS[0]}
    printf '%s %s\n' "$EPOCHREALTIME" "-- end: exit $rc" >> "$log"
    return "$rc"
}

start_of() { head -1 "$1" | cut -d' ' -f1; }
end_of() { tail -1 "$1" | cut -d' ' -f1; }

# "median (min–max)" of a list of numbers, for the notes column.
spread() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%s–%s", v[1], v[NR] }'; }
