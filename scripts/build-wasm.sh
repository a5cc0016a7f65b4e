#!/usr/bin/env bash
# Build the WebAssembly artifacts:
#   pkg/web, pkg/node, pkg/bundler — the npm package `wendu` (bindings/wasm through wasm-bindgen),
#                                   next to the hand-written pkg/*.mjs, pkg/node.cjs, types, README;
#   pkg/packs                       — the built-in packs' JSON and compiled forms;
#   target/wendu-ffi.wasm           — the import-free C-ABI module for embedded hosts (bindings/ffi);
#   pkg/lean, target/wendu-ffi-lean.wasm — the same without the `json-packs` feature: they load
#                                   compiled packs only (`wendu/lean` in the npm package);
#                                   pkg/lean carries no pack either (no `builtin-packs`): its
#                                   default pack is pkg/packs/cn-banking.wdp, beside it.
# Needs: the wasm32-unknown-unknown target, wasm-bindgen-cli at the version pinned in
# bindings/wasm/Cargo.toml, Node (for wasm-opt from the npm package binaryen, installed here on
# first use). Generated files are git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=wasm-release
out=target/wasm32-unknown-unknown/$profile
wasm_opt=scripts/tools/node_modules/.bin/wasm-opt
# Override to experiment, e.g. WASM_OPT_FLAGS="-O3" CARGO_PROFILE_WASM_RELEASE_OPT_LEVEL=3.
read -r -a opt_flags <<<"${WASM_OPT_FLAGS:--Os}"

want=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' bindings/wasm/Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$want" != "$have" ]; then
  echo "build-wasm: wasm-bindgen CLI ${have:-missing}, the crate pins =$want;" \
    "run: cargo install wasm-bindgen-cli --version $want" >&2
  exit 1
fi
if [ ! -x "$wasm_opt" ]; then
  (cd scripts/tools && npm ci --no-audit --no-fund --loglevel=error)
fi

# The lean builds first (their cdylibs have the same names as the full build's): compiled packs
# only, no JSON pack reader or regex compiler. Two cargo runs, since features unify within one:
# the npm module without built-in packs (its default pack is an asset beside it), the C-ABI
# module with the default pack inside (an embedded host has no fetch to rely on).
echo "build-wasm: cargo ($profile, lean: without json-packs; npm module without builtin-packs)"
mkdir -p target/lean
cargo build -q --profile "$profile" --target wasm32-unknown-unknown -p wendu-wasm --no-default-features
cp "$out/wendu_wasm.wasm" target/lean/
cargo build -q --profile "$profile" --target wasm32-unknown-unknown -p wendu-ffi \
  --no-default-features --features wendu-ffi/builtin-packs
cp "$out/wendu_ffi.wasm" target/lean/

echo "build-wasm: cargo ($profile)"
cargo build -q --profile "$profile" --target wasm32-unknown-unknown -p wendu-wasm -p wendu-ffi

echo "build-wasm: wasm-bindgen $have → pkg/web, pkg/node, pkg/bundler"
rm -rf pkg/web pkg/node pkg/bundler
wasm-bindgen --target web --out-dir pkg/web "$out/wendu_wasm.wasm"
wasm-bindgen --target nodejs --out-dir pkg/node "$out/wendu_wasm.wasm"
wasm-bindgen --target bundler --out-dir pkg/bundler "$out/wendu_wasm.wasm"

# One wasm-opt pass: the three targets get byte-identical modules, so optimise once and copy.
if ! cmp -s pkg/web/wendu_wasm_bg.wasm pkg/node/wendu_wasm_bg.wasm ||
  ! cmp -s pkg/web/wendu_wasm_bg.wasm pkg/bundler/wendu_wasm_bg.wasm; then
  echo "build-wasm: wasm-bindgen produced different modules per target" >&2
  exit 1
fi
echo "build-wasm: wasm-opt ${opt_flags[*]} ($($wasm_opt --version))"
"$wasm_opt" "${opt_flags[@]}" pkg/web/wendu_wasm_bg.wasm -o pkg/wendu_wasm_bg.wasm
# ...and ship it once: point each target's glue at pkg/wendu_wasm_bg.wasm (one line each).
rm pkg/web/wendu_wasm_bg.wasm pkg/node/wendu_wasm_bg.wasm pkg/bundler/wendu_wasm_bg.wasm
relink() { # file, exact old text, new text
  local n
  n=$(grep -cF -- "$2" "$1" || true)
  if [ "$n" != 1 ]; then
    echo "build-wasm: expected one \"$2\" in $1, found $n (wasm-bindgen output changed?)" >&2
    exit 1
  fi
  sed -i "s|$2|$3|" "$1"
}
relink pkg/web/wendu_wasm.js "new URL('wendu_wasm_bg.wasm', import.meta.url)" "new URL('../wendu_wasm_bg.wasm', import.meta.url)"
relink pkg/node/wendu_wasm.js '`${__dirname}/wendu_wasm_bg.wasm`' '`${__dirname}/../wendu_wasm_bg.wasm`'
relink pkg/bundler/wendu_wasm.js '"./wendu_wasm_bg.wasm"' '"../wendu_wasm_bg.wasm"'
"$wasm_opt" "${opt_flags[@]}" "$out/wendu_ffi.wasm" -o target/wendu-ffi.wasm

# The lean artefacts: pkg/lean (web and node glue of their own, one module) and the lean
# embedded module.
rm -rf pkg/lean/web pkg/lean/node
wasm-bindgen --target web --out-dir pkg/lean/web target/lean/wendu_wasm.wasm
wasm-bindgen --target nodejs --out-dir pkg/lean/node target/lean/wendu_wasm.wasm
if ! cmp -s pkg/lean/web/wendu_wasm_bg.wasm pkg/lean/node/wendu_wasm_bg.wasm; then
  echo "build-wasm: wasm-bindgen produced different lean modules per target" >&2
  exit 1
fi
"$wasm_opt" "${opt_flags[@]}" pkg/lean/web/wendu_wasm_bg.wasm -o pkg/lean/wendu_wasm_bg.wasm
rm pkg/lean/web/wendu_wasm_bg.wasm pkg/lean/node/wendu_wasm_bg.wasm
relink pkg/lean/web/wendu_wasm.js "new URL('wendu_wasm_bg.wasm', import.meta.url)" "new URL('../wendu_wasm_bg.wasm', import.meta.url)"
relink pkg/lean/node/wendu_wasm.js '`${__dirname}/wendu_wasm_bg.wasm`' '`${__dirname}/../wendu_wasm_bg.wasm`'
"$wasm_opt" "${opt_flags[@]}" target/lean/wendu_ffi.wasm -o target/wendu-ffi-lean.wasm

# The built-in packs beside the module, for editors and for pages that fetch a compiled pack
# themselves (`wendu/packs/cn-banking.json`, `.wdp`); the full module carries the compiled ones,
# `wendu/lean` loads packs/cn-banking.wdp as its default pack (pkg/lean/web.mjs, node.cjs).
rm -rf pkg/packs && mkdir -p pkg/packs
cp packs/cn-banking.json packs/cn-banking.wdp packs/cn-marketing-review.json \
  packs/cn-marketing-review.wdp packs/schema.json pkg/packs/

# The Node entry is CommonJS: derive node/api.cjs from the one hand-written pkg/api.mjs.
if grep -Eq '^(import|export) ' <(grep -Ev '^export (class WenduError|function bind)' pkg/api.mjs); then
  echo "build-wasm: pkg/api.mjs may only export WenduError and bind (see node/api.cjs below)" >&2
  exit 1
fi
{
  echo '"use strict";'
  echo '// GENERATED by scripts/build-wasm.sh from pkg/api.mjs — edit that file.'
  sed -E 's/^export (class WenduError|function bind)/\1/' pkg/api.mjs
  echo 'module.exports = { bind, WenduError };'
} >pkg/node/api.cjs

# The embedded module must load in a host with no JavaScript: zero imports.
node -e '
const fs = require("fs");
for (const f of ["target/wendu-ffi.wasm", "target/wendu-ffi-lean.wasm"]) {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(fs.readFileSync(f)));
  if (imports.length) { console.error(`build-wasm: ${f} has imports:`, imports); process.exit(1); }
}
'
for f in pkg/wendu_wasm_bg.wasm pkg/lean/wendu_wasm_bg.wasm pkg/packs/cn-banking.wdp target/wendu-ffi.wasm target/wendu-ffi-lean.wasm; do
  printf 'build-wasm: %-28s %8d bytes, %7d gzipped\n' "$f" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
done
