#!/usr/bin/env bash
# Compile the built-in packs into the .wdp files the core embeds (src/engine.rs:
# DEFAULT_PACK_COMPILED, REVIEW_PACK_COMPILED). Run it after changing packs/cn-banking.json,
# packs/cn-marketing-review.json or the compiled format; the test `builtin_compiled_packs_are_fresh`
# (tests/compiled.rs) fails until the files match what the JSON compiles to.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p wendu-cli
for id in cn-banking cn-marketing-review; do
  ./target/debug/wendu compile "packs/$id.json" -o "packs/$id.wdp"
done
