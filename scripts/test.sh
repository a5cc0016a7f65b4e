#!/usr/bin/env bash
# The whole test suite, as the README's second command and .ci/run call it.
# Each section is one runtime or concern; a failing section fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

section() { printf '\n=== %s ===\n' "$*"; }

# What a fresh machine of this kind lacks: the WebAssembly target, clippy and rustfmt,
# wasm-bindgen-cli at the version bindings/wasm/Cargo.toml pins (no --locked: it fails against this
# registry index; about 3 minutes on 2 cores). npm packages, PyPI packages and Chromium are
# installed by the sections that use them (scripts/python.sh, scripts/test-js.sh).
section "setup (installs only what is missing)"
if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed | grep -q '^clippy' || rustup component add clippy
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
wbg=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' bindings/wasm/Cargo.toml)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
  echo "installing wasm-bindgen-cli $wbg (about 3 minutes)"
  cargo install wasm-bindgen-cli --version "$wbg"
fi

section "format and lint"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -q -- -D warnings

section "core builds for WebAssembly"
cargo build -q -p wendu --target wasm32-unknown-unknown

section "Rust tests (core, CLI, golden vectors)"
cargo test --workspace -q
# The core's unit tests in the lean builds (no JSON pack reader, no regex compiler), with and
# without the built-in packs, so that they keep compiling there; tests that need JSON packs or
# the regex compiler are gated on `json-packs`.
cargo test -q -p wendu --no-default-features --features builtin-packs --lib
cargo test -q -p wendu --no-default-features --lib
# The library's rustdoc (what docs.rs shows) builds without warnings: broken links fail here.
RUSTDOCFLAGS="-D warnings" cargo doc -q -p wendu --no-deps

section "time guarantees: generated worst-case texts and hostile packs (release build; RELIABILITY.md)"
cargo test -q --release -p wendu --test worst_case

section "pack tests"
cargo build -q --release -p wendu-cli
for pack in packs/*.json; do
  case "$pack" in */schema.json) continue ;; esac
  echo "wendu test $pack"
  ./target/release/wendu test "$pack"
done

section "pack schema (packs/schema.json against packs, broken packs and the validator's keys)"
python=$(./scripts/python.sh)
cargo build -q --release -p wendu-cli
"$python" tests/schema_check.py --wendu ./target/release/wendu

section "WebAssembly: the npm package and the embedded ABI on every runtime (Node, Chromium, Vite, wasmi, wasmtime)"
WENDU_PYTHON=$python ./scripts/test-js.sh

section "fuzzing: each target briefly on its seed corpus (scripts/fuzz.sh; installs cargo-fuzz if missing)"
./scripts/fuzz.sh --time 20
