"""Cold start and throughput of the embedded module in the wasm3 interpreter (pywasm3, wasm3
0.5.0) — the numbers examples/wasmi_cold_start.rs prints for wasmi, for the same rows: parse the
module, load it (wasm3 compiles each function lazily, on its first call), build the default
pack's engine (`wendu_engine_new` with no pack: its compiled form), the first verdict, the same
pack from its JSON and from its .wdp bytes, then verdicts per second over 500 shared Chinese
complaints, one `wendu_verdict` call each. Medians of several fresh runtimes.

python3 tests/embedded/wasm3_cold_start.py [MODULE] [RUNS]
(MODULE defaults to target/wendu-ffi.wasm; the lean module refuses JSON packs: that row is left
out.) Python's own cost per call (≈ 1 µs) is small beside an interpreted verdict.
"""

import json
import sys
import time
from pathlib import Path

import wasm3

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_wasm3 import STACK  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def main():
    module_path = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "target" / "wendu-ffi.wasm"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    wasm = module_path.read_bytes()
    pack_json = (REPO / "packs" / "cn-banking.json").read_bytes()
    compiled = (REPO / "packs" / "cn-banking.wdp").read_bytes()
    corpus_path = REPO.parent / "shared" / "data" / "cn-complaints" / "complaints.csv"
    corpus = []
    if corpus_path.exists():
        lines = corpus_path.read_text("utf-8").splitlines()[1:]
        corpus = [json.dumps({"text": l}, ensure_ascii=False).encode() for l in lines if len(l.encode()) > 20][:500]

    rows = {
        "parse the module": [],
        "load (no function compiled yet)": [],
        "wendu_engine_new(default pack)": [],
        "first verdict": [],
        "wendu_engine_new(JSON of the default pack)": [],
        "wendu_engine_from_compiled(.wdp bytes)": [],
    }
    names = list(rows)
    ready, rates = [], []
    for run in range(runs):
        t = time.perf_counter()
        env = wasm3.Environment()
        rt = env.new_runtime(STACK)
        module = env.parse_module(wasm)
        rows[names[0]].append(ms(t))
        t = time.perf_counter()
        rt.load(module)
        rows[names[1]].append(ms(t))
        f = rt.find_function

        def put(data):
            ptr = f("wendu_alloc")(len(data))
            rt.get_memory(0)[ptr : ptr + len(data)] = data
            return ptr, len(data)

        t = time.perf_counter()
        h = f("wendu_engine_new")(0, 0)
        rows[names[2]].append(ms(t))
        assert h != 0, "default pack"
        ready.append(rows[names[0]][-1] + rows[names[1]][-1] + rows[names[2]][-1])
        verdict = f("wendu_verdict")
        c = put("{\"text\":\"信用卡被乱收年费，我要打12378投诉\"}".encode())
        t = time.perf_counter()
        assert verdict(h, *c) == 0
        rows[names[3]].append(ms(t))
        p = put(pack_json)
        t = time.perf_counter()
        hj = f("wendu_engine_new")(*p)
        if hj != 0:  # the lean module refuses JSON packs
            rows[names[4]].append(ms(t))
        b = put(compiled)
        t = time.perf_counter()
        hc = f("wendu_engine_from_compiled")(*b)
        rows[names[5]].append(ms(t))
        assert hc != 0, "compiled pack"
        # Throughput once (the interpreter does not warm up): verdicts per second.
        if run == 0 and corpus:
            inputs = [put(x) for x in corpus]
            t = time.perf_counter()
            for ptr, n in inputs:
                verdict(h, ptr, n)
            rates.append(len(inputs) / (time.perf_counter() - t))

    print(f"wasm3 (pywasm3 {getattr(wasm3, '__version__', '0.5.0')}), {module_path} ({len(wasm)} bytes), {runs} fresh runtimes: median (range) in ms")
    for name, xs in rows.items():
        if xs:
            s = sorted(xs)
            print(f"  {name:<44} {s[len(s) // 2]:>8.1f}  ({s[0]:.1f}–{s[-1]:.1f})")
    s = sorted(ready)
    print(f"  {'module + instance + default pack ready':<44} {s[len(s) // 2]:>8.1f}")
    if rates:
        print(f"  verdicts per second ({len(corpus)} shared complaints): {rates[0]:.0f}")


def ms(t):
    return (time.perf_counter() - t) * 1000


if __name__ == "__main__":
    main()
