#!/usr/bin/env bash
# The whole test suite, as the README's second command and .ci/run call it.
# Each section is one runtime or concern; a failing section fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

section() { printf '\n=== %s ===\n' "$*"; }

section "format and lint"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -q -- -D warnings

section "core builds for WebAssembly"
cargo build -q -p wendu --target wasm32-unknown-unknown

section "Rust tests (core, CLI, golden vectors)"
cargo test --workspace -q

section "pack tests"
cargo build -q --release -p wendu-cli
for pack in packs/*.json; do
  case "$pack" in */schema.json) continue ;; esac
  echo "wendu test $pack"
  ./target/release/wendu test "$pack"
done

section "pack schema (packs/schema.json against packs, broken packs and the validator's keys)"
python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install -q jsonschema
cargo build -q --release -p wendu-cli
python3 tests/schema_check.py --wendu ./target/release/wendu

section "WebAssembly: the npm package and the embedded ABI on every runtime (Node, Chromium, Vite, wasmi, wasmtime)"
./scripts/test-js.sh
