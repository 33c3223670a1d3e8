#!/usr/bin/env bash
# Bootstraps the repository's build: finds (or installs) a .NET SDK that satisfies global.json, builds
# _build.csproj when its inputs changed, and runs it with the arguments passed through.
# ./build.sh --help lists the targets and parameters.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_PROJECT="$ROOT/_build.csproj"
BUILD_DLL="$ROOT/bin/Debug/net10.0/_build.dll"
STATE_DIR="$ROOT/.kiln/build"
STAMP="$STATE_DIR/inputs.sha256"
RESTORE_STAMP="$STATE_DIR/restore-inputs.sha256"
DOTNET_CACHE="$STATE_DIR/dotnet"
LOCAL_DOTNET_DIR="$ROOT/.dotnet"
INSTALL_SCRIPT_URL="https://dot.net/v1/dotnet-install.sh"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

fail() {
    echo "build.sh: $1" >&2
    [ $# -gt 1 ] && echo "hint: $2" >&2
    exit 2
}

# `dotnet --version` run inside the repository fails when no installed SDK satisfies global.json.
satisfies_global_json() {
    [ -x "$1" ] && (cd "$ROOT" && "$1" --version >/dev/null 2>&1)
}

find_dotnet() {
    local candidate
    for candidate in "${DOTNET_EXE:-}" "$LOCAL_DOTNET_DIR/dotnet" "$(command -v dotnet 2>/dev/null || true)" \
        "${DOTNET_ROOT:+$DOTNET_ROOT/dotnet}" /usr/share/dotnet/dotnet /usr/lib/dotnet/dotnet "$HOME/.dotnet/dotnet"; do
        if [ -n "$candidate" ] && satisfies_global_json "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

install_dotnet() {
    local script="$LOCAL_DOTNET_DIR/dotnet-install.sh"
    mkdir -p "$LOCAL_DOTNET_DIR"
    echo "No .NET SDK satisfies global.json; installing one into .dotnet/ ..." >&2
    if ! curl -sSfL --retry 2 --connect-timeout 15 -o "$script" "$INSTALL_SCRIPT_URL" 2>/dev/null \
        && ! wget -q -T 15 -O "$script" "$INSTALL_SCRIPT_URL" 2>/dev/null; then
        rm -f "$script"
        rmdir "$LOCAL_DOTNET_DIR" 2>/dev/null || true
        fail "no .NET SDK satisfies global.json, and $INSTALL_SCRIPT_URL could not be downloaded (offline?)." \
            "install the SDK named in global.json (https://dot.net), or set DOTNET_EXE to a dotnet that has it."
    fi
    bash "$script" --jsonfile "$ROOT/global.json" --install-dir "$LOCAL_DOTNET_DIR" --no-path >&2 \
        || fail "dotnet-install.sh could not install the SDK named in global.json." "see its output above."
}

# Paths, sizes and modification times of everything the build project compiles from: cheap to compute,
# and any edit under build/ or src/ (or to the props files) changes it. A repository that dotnet new kiln set up
# may have no src/.
inputs_hash() {
    {
        (cd "$ROOT" && find build $([ -d "$ROOT/src" ] && echo src) -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.targets' -o -name '*.json' -o -name '*.resx' \) \
            -not -path '*/bin/*' -not -path '*/obj/*' -printf '%p %T@ %s\n' | LC_ALL=C sort)
        local file
        for file in _build.csproj global.json Directory.Build.props Directory.Build.targets Directory.Packages.props NuGet.config nuget.config .editorconfig; do
            [ -e "$ROOT/$file" ] && (cd "$ROOT" && stat -c '%n %Y %s' "$file")
        done
        echo "$DOTNET"
    } | sha256sum | cut -d' ' -f1
}

# The subset of inputs that decides what restore produces.
restore_inputs_hash() {
    {
        (cd "$ROOT" && find build $([ -d "$ROOT/src" ] && echo src) -type f \( -name '*.csproj' -o -name '*.props' -o -name '*.targets' \) \
            -not -path '*/bin/*' -not -path '*/obj/*' -printf '%p %T@ %s\n' | LC_ALL=C sort)
        local file
        for file in _build.csproj global.json Directory.Build.props Directory.Build.targets Directory.Packages.props NuGet.config nuget.config; do
            [ -e "$ROOT/$file" ] && (cd "$ROOT" && stat -c '%n %Y %s' "$file")
        done
        echo "$DOTNET"
    } | sha256sum | cut -d' ' -f1
}

# Fast path: the dotnet that built the current stamp, and nothing changed since (global.json is an input, so a
# changed SDK requirement falls through to the full search).
DOTNET=""
[ -f "$DOTNET_CACHE" ] && DOTNET="$(cat "$DOTNET_CACHE")"
if [ -n "$DOTNET" ] && [ -x "$DOTNET" ] && [ -f "$BUILD_DLL" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(inputs_hash)" ]; then
    export DOTNET_ROOT="${DOTNET_ROOT:-$(dirname "$(readlink -f "$DOTNET")")}"
    exec "$DOTNET" "$BUILD_DLL" "$@"
fi

DOTNET="$(find_dotnet || true)"
if [ -z "$DOTNET" ]; then
    install_dotnet
    DOTNET="$(find_dotnet || true)"
    [ -n "$DOTNET" ] || fail "the SDK installed into .dotnet/ still does not satisfy global.json." "check global.json's sdk.version."
fi
export DOTNET_ROOT="${DOTNET_ROOT:-$(dirname "$(readlink -f "$DOTNET")")}"

HASH="$(inputs_hash)"
if [ ! -f "$BUILD_DLL" ] || [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
    rm -f "$STAMP"
    # Restore only when a project, props or SDK input changed: most edits are to .cs files.
    RESTORE_HASH="$(restore_inputs_hash)"
    RESTORE=()
    [ -f "$RESTORE_STAMP" ] && [ "$(cat "$RESTORE_STAMP")" = "$RESTORE_HASH" ] && [ -f "$ROOT/obj/project.assets.json" ] && RESTORE=(--no-restore)
    if ! BUILD_LOG="$("$DOTNET" build "$BUILD_PROJECT" --nologo --verbosity quiet "${RESTORE[@]}" 2>&1)"; then
        echo "$BUILD_LOG" >&2
        echo "build.sh: the build project (_build.csproj) does not compile; see the errors above." >&2
        exit 2
    fi
    mkdir -p "$STATE_DIR"
    echo "$RESTORE_HASH" > "$RESTORE_STAMP"
    echo "$DOTNET" > "$DOTNET_CACHE"
    echo "$HASH" > "$STAMP"
fi

exec "$DOTNET" "$BUILD_DLL" "$@"
