#!/usr/bin/env bash
# Builds the mini program's module: drivers/miniprogram/miniprogram_dist/wxlogin.wasm.br.
#
#   drivers/wasm/build.sh [OUT_DIR]
#
# 1. cargo, profile `wasm` (opt-level z, LTO, one codegen unit, panic=abort, strip); paths
#    remapped so the bytes do not depend on where the repo or cargo's registry live.
# 2. binaryen (npm, drivers/miniprogram/node_modules): lower what rustc and its prebuilt std
#    emit beyond MVP (sign-ext, bulk memory, non-trapping float-to-int, the call_indirect
#    encoding of reference-types) to MVP, shrink with -Oz, remove the exported globals
#    (`__heap_base`, `__data_end`) that iOS WeChat refuses.
# 3. brotli quality 11.
# Needs: `rustup target add wasm32-unknown-unknown` and `npm ci` in drivers/miniprogram.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pkg="$root/drivers/miniprogram"
out=${1:-"$pkg/miniprogram_dist"}
cargo_home=${CARGO_HOME:-$HOME/.cargo}

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo "build.sh: the wasm32-unknown-unknown target is missing: rustup target add wasm32-unknown-unknown" >&2
    exit 1
fi
if [ ! -d "$pkg/node_modules/binaryen" ]; then
    echo "build.sh: binaryen is missing: run npm ci in drivers/miniprogram" >&2
    exit 1
fi

# One flag per \x1f-separated field, so paths with spaces survive.
flags=(
    "--remap-path-prefix=$root=/wxlogin"
    "--remap-path-prefix=$cargo_home=/cargo"
)
CARGO_ENCODED_RUSTFLAGS=$(IFS=$'\x1f'; printf '%s' "${flags[*]}")
export CARGO_ENCODED_RUSTFLAGS
cargo build --quiet --locked -p wxlogin-wasm --lib \
    --target wasm32-unknown-unknown --profile wasm
raw="$root/target/wasm32-unknown-unknown/wasm/wxlogin_wasm.wasm"

mkdir -p "$out"
node "$pkg/scripts/finish-wasm.mjs" "$raw" "$out/wxlogin.wasm.br"
