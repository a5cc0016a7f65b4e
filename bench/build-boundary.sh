#!/usr/bin/env bash
# The benchmark-only module for bench/boundary.mjs: bindings/wasm with the `serde-boundary`
# feature (serde-wasm-bindgen exports beside the JSON text ones), built like the shipped module
# (profile wasm-release, wasm-bindgen for Node, wasm-opt -Os) into target/bench-boundary/.
# Prints its size beside pkg/wendu_wasm_bg.wasm's: the cost serde-wasm-bindgen would add.
# Run scripts/build-wasm.sh afterwards if you need the shipped cdylib back in target/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/wasm32-unknown-unknown/wasm-release
wasm_opt=scripts/tools/node_modules/.bin/wasm-opt
if [ ! -x "$wasm_opt" ]; then
  (cd scripts/tools && npm ci --no-audit --no-fund --loglevel=error)
fi
cargo build -q --profile wasm-release --target wasm32-unknown-unknown -p wendu-wasm \
  --features serde-boundary
rm -rf target/bench-boundary
wasm-bindgen --target nodejs --out-dir target/bench-boundary "$out/wendu_wasm.wasm"
"$wasm_opt" -Os target/bench-boundary/wendu_wasm_bg.wasm -o target/bench-boundary/opt.wasm
mv target/bench-boundary/opt.wasm target/bench-boundary/wendu_wasm_bg.wasm
for f in target/bench-boundary/wendu_wasm_bg.wasm pkg/wendu_wasm_bg.wasm; do
  if [ -f "$f" ]; then echo "$f: $(wc -c <"$f") bytes, $(gzip -9c "$f" | wc -c) gzipped"; fi
done
