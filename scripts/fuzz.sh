#!/usr/bin/env bash
# Fuzz wendu (RELIABILITY.md): the targets in fuzz/fuzz_targets, with cargo-fuzz on the nightly
# toolchain. Every target holds each input to a time budget: a slow input fails like a crash.
#
#   scripts/fuzz.sh                  each target for 20 s on a copy of its seed corpus (what CI runs)
#   scripts/fuzz.sh --time 60 classify        one target, a minute
#   scripts/fuzz.sh --long                    the long campaign: 10,000,000 executions per target
#                                             (--runs N to change; --hours H stops a target after
#                                             H hours), corpora kept under target/fuzz/corpus,
#                                             logs and a summary in target/fuzz
#
# A failing input is saved under target/fuzz/artifacts/<target>/; reproduce it with
# `cargo +nightly fuzz run <target> <file>` in fuzz/ (abi_wasmi: add --no-trace-compares
# --target-dir target/abi), and turn it into a golden vector or a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

long=0
seconds=20
runs=10000000
hours=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --long) long=1 ;;
    --time) seconds="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --hours) hours="$2"; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
all=(pack_check pack_mutate classify unicode_text trigger_stream snapshot_restore compiled abi_wasmi)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

# What a fresh machine lacks: the nightly toolchain is installed here; cargo-fuzz may not be.
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz (about 2 minutes)"
  cargo +nightly install cargo-fuzz
fi
# abi_wasmi drives the C-ABI module: build it when it is missing.
for t in "${targets[@]}"; do
  if [ "$t" = abi_wasmi ] && [ ! -f target/wendu-ffi.wasm ]; then
    ./scripts/build-wasm.sh
  fi
done

out=target/fuzz
mkdir -p "$out"
root=$(pwd)
# Sanitizer none: the core forbids unsafe code and the FFI is fuzzed as WebAssembly, where the
# module's own bounds checks apply; leaks show as growth past -rss_limit_mb. Debug assertions
# (overflow checks) are on, as cargo-fuzz builds by default.
flags=(-s none)
summary="$out/summary.txt"
[ $long -eq 1 ] && : >"$summary"
failed=0
for t in "${targets[@]}"; do
  extra=()
  # The interpreter's dispatch loop under comparison tracing is 7 times slower, and the
  # module's branches are not what it would trace: abi_wasmi builds without it, apart.
  [ "$t" = abi_wasmi ] && extra=(--no-trace-compares --target-dir "$root/target/fuzz/abi-build")
  if [ $long -eq 1 ]; then
    corpus="$root/$out/corpus/$t"
    mkdir -p "$corpus"
    limits=(-runs="$runs")
    [ -n "$hours" ] && limits+=(-max_total_time="$(awk -v h="$hours" 'BEGIN{printf "%d", h*3600}')")
  else
    corpus=$(mktemp -d)
    limits=(-max_total_time="$seconds")
  fi
  [ -d "fuzz/seeds/$t" ] && cp -n fuzz/seeds/"$t"/* "$corpus"/ 2>/dev/null || true
  mkdir -p "$out/artifacts/$t"
  log="$root/$out/$t.log"
  echo "fuzz: $t (${limits[*]})"
  started=$(date +%s)
  set +e
  (cd fuzz && cargo +nightly fuzz run "${flags[@]}" "${extra[@]}" "$t" "$corpus" -- \
    "${limits[@]}" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$root/$out/artifacts/$t/") >"$log" 2>&1
  status=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # Stopped before its final statistics: the last progress line's count.
  [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)
  took=$(( $(date +%s) - started ))
  line="$t: ${execs:-?} executions in ${took} s, exit $status"
  echo "  $line"
  [ $long -eq 1 ] && echo "$line" >>"$summary"
  if [ $status -ne 0 ]; then
    failed=1
    grep -E "panicked|slow input|SUMMARY|ERROR" "$log" | head -5 || true
    echo "  log: $log; artifacts: $out/artifacts/$t/"
  fi
  [ $long -eq 1 ] || rm -rf "$corpus"
done
exit $failed
