"""The time guarantee through the C ABI under wasmtime (RELIABILITY.md): every generated worst
case at the pack's largest text, in milliseconds per 1,000 characters (the fastest of a few runs).

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
worst = {"classify": (0.0, ""), "verdict": (0.0, "")}
print(f"{'case':<44} {'classify':>12} {'verdict':>12}   (ms per 1,000 chars, wasmtime)")
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
        m = float("inf")
        for _ in range(runs):
            t = time.perf_counter()
            w._call(name, e, text=text)
            m = min(m, time.perf_counter() - t)
        return m * 1e6 / max(chars, 1)

    cl, ve = best("wendu_classify"), best("wendu_verdict")
    if cl > worst["classify"][0]:
        worst["classify"] = (cl, case["name"])
    if ve > worst["verdict"][0]:
        worst["verdict"] = (ve, case["name"])
    print(f"{case['name']:<44} {cl:>9.3f} ms {ve:>9.3f} ms")
print(f"worst per 1,000 chars: classify {worst['classify'][0]:.3f} ms ({worst['classify'][1]}), verdict {worst['verdict'][0]:.3f} ms ({worst['verdict'][1]})")
