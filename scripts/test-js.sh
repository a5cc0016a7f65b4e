#!/usr/bin/env bash
# Every runtime beyond native Rust, on the same golden vectors (tests/vectors): builds pkg/ and
# target/wendu-ffi.wasm (scripts/build-wasm.sh), then runs Node (CommonJS and ES module), headless
# Chromium, a Vite build, the studio page (bindings/studio), the wasmi and WAMR interpreters,
# Python wasmtime and the wasm3 interpreter. Installs what is missing:
# wasm-bindgen-cli at the pinned version, npm packages from the lock files, Debian's chromium,
# cmake and libclang-dev (WAMR), PyPI wasmtime and pywasm3. SKIP_BUILD=1 reuses an existing build.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf -- '--- %s\n' "$*"; }
npm_ci() { (cd "$1" && npm ci --no-audit --no-fund --loglevel=error); }
# Run every runtime even when one fails, so one run shows every difference; fail at the end.
failed=()
check() {
  local name=$1
  shift
  if ! "$@"; then
    failed+=("$name")
  fi
}

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  wbg=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' bindings/wasm/Cargo.toml)
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
    step "installing wasm-bindgen-cli $wbg (about 3 minutes)"
    cargo install wasm-bindgen-cli --version "$wbg"
  fi
  step "build pkg/ and the embedded module"
  ./scripts/build-wasm.sh
fi

step "Node: node --test tests/node (require and import of the package)"
npm_ci tests/node
check node bash -c 'cd tests/node && node --test'

if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
  step "installing Debian's chromium"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  fi
fi

step "browser: headless Chromium, <script type=module> from 127.0.0.1"
npm_ci tests/browser
check browser bash -c 'cd tests/browser && node --test'

step "bundler: tsc against the shipped types, vite build, the built app in Chromium"
npm_ci tests/bundler
check bundler bash -c 'cd tests/bundler && node --test'

step "studio: bindings/studio built with Vite, each panel driven in headless Chromium"
npm_ci bindings/studio
npm_ci tests/studio
check studio bash -c 'cd tests/studio && node --test'

step "embedded: wasmi interpreter (Rust)"
check wasmi env WENDU_REQUIRE_WASM=1 cargo test -q --release -p wendu-embedded-tests

step "embedded: WAMR fast interpreter (Rust, wamrx; builds WAMR with cmake, bindings with libclang)"
if ! command -v cmake >/dev/null 2>&1 || ! ls /usr/lib/llvm-*/lib/libclang.so >/dev/null 2>&1; then
  step "installing Debian's cmake and libclang-dev"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq cmake libclang-dev >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq cmake libclang-dev >/dev/null
  fi
fi
check wamr env WENDU_REQUIRE_WASM=1 cargo test -q --release -p wendu-embedded-tests --features wamr --test wamr_vectors

step "embedded: Python wasmtime"
python=${WENDU_PYTHON:-$(./scripts/python.sh)}
check wasmtime env WENDU_REQUIRE_WASM=1 "$python" tests/embedded/test_wasmtime.py

step "embedded: Python wasm3 (pywasm3, the C interpreter apps vendor)"
check wasm3 env WENDU_REQUIRE_WASM=1 "$python" tests/embedded/test_wasm3.py

if [ ${#failed[@]} -gt 0 ]; then
  echo "test-js: failed on: ${failed[*]}" >&2
  exit 1
fi
