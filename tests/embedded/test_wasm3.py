"""The embedded ABI in the wasm3 interpreter (pywasm3 from PyPI, wasm3 0.5.0 — the C interpreter
iOS and Android apps vendor where JIT is not allowed): target/wendu-ffi.wasm must load with no
imports and give byte-identical JSON for every golden vector, with the packs as given and the
other way round (JSON packs compiled in the module, loaded from the bytes). The vector walk is
test_wasmtime.py's (`run_all`); only the host differs.

Why Python: the Rust crate `wasm3` (0.3.1, crates.io) vendors wasm3 0.4.7, which cannot run the
module (BENCHMARKS.md, "Other interpreters"); Debian packages no wasm3 or WAMR.

Run: pip install pywasm3==0.5.0 wasmtime && python3 tests/embedded/test_wasm3.py
(after scripts/build-wasm.sh); scripts/test-js.sh runs it with scripts/python.sh's venv.
"""

import json
import sys
import unittest
from pathlib import Path

import wasm3

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_wasmtime import (  # noqa: E402
    DEFAULT_PACK,
    REPO,
    WenduError,
    assert_all_agree,
    module_bytes,
    run_all,
)

# The interpreter's value stack in bytes; the engine's deepest call (compiling a JSON pack)
# needs less than a quarter of it.
STACK = 1 << 20


class Wendu:
    """One wasm3 runtime holding one module instance: strings in, JSON strings out, with the
    method names test_wasmtime.run_all calls."""

    def __init__(self, wasm: bytes):
        self.env = wasm3.Environment()
        self.rt = self.env.new_runtime(STACK)
        module = self.env.parse_module(wasm)
        self.rt.load(module)
        self.fns = {}
        assert self._fn("wendu_abi_version")() == 1

    def _fn(self, name):
        f = self.fns.get(name)
        if f is None:
            f = self.fns[name] = self.rt.find_function(name)
        return f

    def _memory(self):
        # Re-read after every call: the memory may have grown (and moved).
        return self.rt.get_memory(0)

    def _put(self, data: bytes):
        if not data:
            return 0, 0
        ptr = self._fn("wendu_alloc")(len(data))
        assert ptr != 0, "alloc failed"
        self._memory()[ptr : ptr + len(data)] = data
        return ptr, len(data)

    def _result_bytes(self) -> bytes:
        ptr = self._fn("wendu_result_ptr")()
        n = self._fn("wendu_result_len")()
        return bytes(self._memory()[ptr : ptr + n])

    def _result(self) -> str:
        return self._result_bytes().decode("utf-8")

    def _call_bytes(self, name: str, *args, data: bytes):
        ptr, n = self._put(data)
        try:
            return self._fn(name)(*args, ptr, n)
        finally:
            if n:
                self._fn("wendu_free")(ptr, n)

    def _call(self, name: str, *args, text: str):
        return self._call_bytes(name, *args, data=text.encode("utf-8"))

    def _status(self, name: str, *args, text: str) -> str:
        status = self._call(name, *args, text=text)
        out = self._result()
        if status != 0:
            raise WenduError(out)
        return out

    def _handle(self, name: str, pack) -> int:
        h = self._call(name, text=pack or "")
        if h == 0:
            raise WenduError(self._result())
        return h

    def _handle_bytes(self, name: str, data: bytes) -> int:
        h = self._call_bytes(name, data=data)
        if h == 0:
            raise WenduError(self._result())
        return h

    def engine(self, pack=None) -> int:
        return self._handle("wendu_engine_new", pack)

    def engine_from_compiled(self, data: bytes) -> int:
        return self._handle_bytes("wendu_engine_from_compiled", data)

    def compiled(self, h: int) -> bytes:
        if self._fn("wendu_engine_compiled")(h) != 0:
            raise WenduError(self._result())
        return self._result_bytes()

    def classify(self, h: int, complaint: str) -> str:
        return self._status("wendu_classify", h, text=complaint)

    def classify_batch(self, h: int, complaints: str) -> str:
        return self._status("wendu_classify_batch", h, text=complaints)

    def verdict(self, h: int, complaint: str) -> str:
        return self._status("wendu_verdict", h, text=complaint)

    def verdict_batch(self, h: int, complaints: str) -> str:
        return self._status("wendu_verdict_batch", h, text=complaints)

    def check(self, pack) -> str:
        return self._status("wendu_check", text=pack or "")

    def free_engine(self, h: int):
        self._fn("wendu_engine_free")(h)

    def trigger(self, pack=None) -> int:
        return self._handle("wendu_trigger_new", pack)

    def trigger_from_compiled(self, data: bytes) -> int:
        return self._handle_bytes("wendu_trigger_from_compiled", data)

    def ingest(self, h: int, events: str) -> str:
        return self._status("wendu_trigger_ingest", h, text=events)

    def snapshot(self, h: int) -> str:
        assert self._fn("wendu_trigger_snapshot")(h) == 0
        return self._result()

    def restore(self, h: int, snapshot: str):
        self._status("wendu_trigger_restore", h, text=snapshot)

    def free_trigger(self, h: int):
        self._fn("wendu_trigger_free")(h)


class Wasm3Vectors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = Wendu(module_bytes())

    def test_golden_vectors(self):
        checked, failures = run_all(self.w)
        assert_all_agree(self, checked, failures)

    def test_golden_vectors_with_packs_compiled_in_the_module(self):
        w = self.w
        h = w.engine(DEFAULT_PACK)
        here = w.compiled(h)
        w.free_engine(h)
        self.assertEqual(here, (REPO / "packs" / "cn-banking.wdp").read_bytes())
        checked, failures = run_all(w, compiled=True)
        assert_all_agree(self, checked, failures)

    def test_errors_and_freed_handles(self):
        w = self.w
        h = w.engine()
        with self.assertRaises(WenduError) as e:
            w.verdict(h, '{"text": 1}')
        self.assertEqual(e.exception.code, "invalid_input")
        self.assertEqual(e.exception.problems[0]["path"], "/text")
        w.free_engine(h)
        with self.assertRaises(WenduError) as e:
            w.verdict(h, '{"text": "x"}')
        self.assertEqual(e.exception.code, "invalid_handle")
        verdict = json.loads(w.verdict(w.engine(), '{"text": "信用卡被乱收年费，我要打12378投诉"}'))
        self.assertEqual(verdict["labels"]["reason"][0]["code"], "C07")


if __name__ == "__main__":
    sys.exit(unittest.main(verbosity=2))
