#!/usr/bin/env bash
# Kiln vs Packer 1.6.6 on identical work, in one run: prints a Markdown table of medians and ratios (Kiln / Packer,
# lower is better) and writes it to bench/results/latest.md. Exits non-zero only when a run failed, never for a ratio.
#
#   bench/run.sh                        every case, 3 runs each (about 30 minutes on 2 cores under TCG)
#   bench/run.sh --quick                1 GiB checksum file instead of 4 GiB
#   bench/run.sh e2e formats --runs=5   some cases, more runs
#   bench/run.sh noop --packer-rebuilds=3
#
# Cases (issue 8's numbering): e2e (1, one QEMU build end to end), formats (2, qcow2 + vmdk + vdi + ova),
# noop (3, ten built images built again), validate (4, 100 definitions), checksum (5, sha256 of a large file);
# edit (issue 17: change the last of three provisioning steps and build again), warm (issue 17: e2e on a base whose
# booted machine was saved by an earlier build).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
RESULTS="$BENCH/results/latest.md"
ALL_CASES=(e2e formats noop validate checksum edit warm)
RUNS=3
PACKER_REBUILDS=1
CHECKSUM_GIB=4
CASES=()
for arg in "$@"; do
    case "$arg" in
        --quick) CHECKSUM_GIB=1 ;;
        --runs=*) RUNS="${arg#--runs=}" ;;
        --packer-rebuilds=*) PACKER_REBUILDS="${arg#--packer-rebuilds=}" ;;
        e2e|formats|noop|validate|checksum|edit|warm) CASES+=("$arg") ;;
        -h|--help) sed -n 2,13p "$0"; exit 0 ;;
        *) echo "bench/run.sh: unknown case or option '$arg' (cases: ${ALL_CASES[*]}; options: --quick --runs=N --packer-rebuilds=N)" >&2; exit 2 ;;
    esac
done
[ ${#CASES[@]} -gt 0 ] || CASES=("${ALL_CASES[@]}")

need=()
command -v packer >/dev/null || need+=(packer)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kiln-bench-XXXXXX")"
# Packer and qemu are children of this shell; a Ctrl-C stops them with it, then the scratch folder goes (unless
# KILN_BENCH_KEEP=1 keeps it, with every run's stamped log, for a closer look).
trap 'if [ -n "${KILN_BENCH_KEEP:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi' EXIT
trap 'exit 130' INT TERM
DOTNET="${DOTNET:-dotnet}"
FAILED=0
ROWS=()

# shellcheck source=bench/lib/common.sh
. "$BENCH/lib/common.sh"
# shellcheck source=bench/lib/qemu.sh
. "$BENCH/lib/qemu.sh"
for c in "$BENCH"/cases/*.sh; do . "$c"; done

"$ROOT/build.sh" --help > /dev/null   # compile the build host first: its start-up is timed, its compilation is not
started=$(now)
for c in "${CASES[@]}"; do "case_$c"; done

{
    echo "# Kiln vs Packer 1.6.6: benchmark results"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); the suite took $(awk -v s="$(elapsed "$started")" 'BEGIN { printf "%.0f", s / 60 }') minutes"
    echo "- Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "- Accelerator: TCG for both (KVM here is PVM and does not run guests); guests: $CPUS vCPUs, $MEMORY MiB, q35, virtio disk and NIC, ${DISK_MIB} MiB disk"
    echo "- Tools: Packer $(packer version | head -1 | awk '{ print $2 }'), $(qemu-img --version | head -1), $(sha256sum --version | head -1)"
    echo "- Load average at the end of the run: $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: absolute times drift, ratios within one run count)"
    echo "- Cases: ${CASES[*]}; $RUNS runs each unless the notes say otherwise, interleaved (Kiln, Packer, Kiln, ...); medians"
    echo
    echo "| case | Kiln | Packer / peer | ratio (Kiln / peer, lower is better) | notes |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "How each case is set up, and why it is fair, is in bench/README.md."
} > "$WORK/latest.md"
cp "$WORK/latest.md" "$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
cat "$RESULTS"
exit "$FAILED"
