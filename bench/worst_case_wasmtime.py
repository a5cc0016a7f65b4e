"""The time guarantee through the C ABI under wasmtime (RELIABILITY.md): every generated worst
case at the pack's largest text, in milliseconds per 1,000 characters (the fastest of a few runs):
wall clock, and this thread's CPU time (time.thread_time), which a machine shared with other work
disturbs far less.

    cargo run --release --example worst_case -- --write target/worst-cases.jsonl
    python3 bench/worst_case_wasmtime.py [target/worst-cases.jsonl] [--runs 3]

Needs target/wendu-ffi.wasm (scripts/build-wasm.sh) and PyPI wasmtime.
"""

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "embedded"))
from test_wasmtime import MODULE, Wendu  # noqa: E402

args = sys.argv[1:]
runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 3
files = [a for i, a in enumerate(args) if not a.startswith("--") and (i == 0 or args[i - 1] != "--runs")]
path = Path(files[0]) if files else REPO / "target" / "worst-cases.jsonl"

w = Wendu(MODULE.read_bytes())
engines = {}
worst = {k: (0.0, "") for k in ("classify", "verdict", "classify cpu", "verdict cpu")}
print(f"{'case':<44} {'classify':>12} {'verdict':>12} {'classify cpu':>12} {'verdict cpu':>12}   (ms per 1,000 chars, wasmtime)")
for line in path.read_text(encoding="utf-8").splitlines():
    if not line.strip():
        continue
    case = json.loads(line)
    pack = case.get("pack")
    if pack not in engines:
        engines[pack] = w.engine((REPO / pack).read_text(encoding="utf-8") if pack else None)
    e = engines[pack]
    c = case["complaint"]
    text = json.dumps(c, ensure_ascii=False)
    chars = len(c.get("text", "")) + len(c.get("title", ""))

    def best(name):
        wall, cpu = float("inf"), float("inf")
        for _ in range(runs):
            t, u = time.perf_counter(), time.thread_time()
            w._call(name, e, text=text)
            wall = min(wall, time.perf_counter() - t)
            cpu = min(cpu, time.thread_time() - u)
        return wall * 1e6 / max(chars, 1), cpu * 1e6 / max(chars, 1)

    (cl, clc), (ve, vec) = best("wendu_classify"), best("wendu_verdict")
    for k, v in (("classify", cl), ("verdict", ve), ("classify cpu", clc), ("verdict cpu", vec)):
        if v > worst[k][0]:
            worst[k] = (v, case["name"])
    print(f"{case['name']:<44} {cl:>9.3f} ms {ve:>9.3f} ms {clc:>9.3f} ms {vec:>9.3f} ms")
print(
    "worst per 1,000 chars: "
    + ", ".join(f"{k} {v:.3f} ms ({n})" for k, (v, n) in worst.items())
)
