"""The embedded ABI from Python with wasmtime (PyPI): target/wendu-ffi.wasm must have zero
imports and give byte-identical JSON for every golden vector (tests/vectors/README.md), with the
packs as given and the other way round (JSON packs compiled in the module and loaded from the
bytes, the default pack from its JSON, which must compile to packs/cn-banking.wdp exactly).

Run: pip install wasmtime && python3 tests/embedded/test_wasmtime.py   (after scripts/build-wasm.sh)
Also collected by pytest. The host below is the same shape docs/embedding.md shows for mobile.
"""

import json
import os
import sys
import unittest
from pathlib import Path

import wasmtime

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "tests" / "vectors"
MODULE = Path(os.environ.get("WENDU_FFI_WASM", REPO / "target" / "wendu-ffi.wasm"))


class WenduError(Exception):
    def __init__(self, error_json: str):
        self.json = error_json
        e = json.loads(error_json)
        super().__init__(e["message"])
        self.code = e["code"]
        self.problems = e["problems"]


class Wendu:
    """One module instance: strings in, JSON strings out."""

    def __init__(self, wasm: bytes):
        engine = wasmtime.Engine()
        self.store = wasmtime.Store(engine)
        module = wasmtime.Module(engine, wasm)
        imports = [f"{i.module}.{i.name}" for i in module.imports]
        assert not imports, f"the module has imports: {imports}"
        instance = wasmtime.Instance(self.store, module, [])
        self.x = instance.exports(self.store)
        self.memory = self.x["memory"]
        assert self.x["wendu_abi_version"](self.store) == 1

    def _put(self, data: bytes):
        if not data:
            return 0, 0
        ptr = self.x["wendu_alloc"](self.store, len(data))
        assert ptr != 0, "alloc failed"
        self.memory.write(self.store, data, ptr)
        return ptr, len(data)

    def _result(self) -> str:
        ptr = self.x["wendu_result_ptr"](self.store)
        n = self.x["wendu_result_len"](self.store)
        return self.memory.read(self.store, ptr, ptr + n).decode("utf-8")

    def _result_bytes(self) -> bytes:
        ptr = self.x["wendu_result_ptr"](self.store)
        n = self.x["wendu_result_len"](self.store)
        return bytes(self.memory.read(self.store, ptr, ptr + n))

    def _call(self, name: str, *args, text: str):
        return self._call_bytes(name, *args, data=text.encode("utf-8"))

    def _call_bytes(self, name: str, *args, data: bytes):
        ptr, n = self._put(data)
        try:
            return self.x[name](self.store, *args, ptr, n)
        finally:
            if n:
                self.x["wendu_free"](self.store, ptr, n)

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

    def engine(self, pack=None) -> int:
        return self._handle("wendu_engine_new", pack)

    def compiled(self, h: int) -> bytes:
        """The engine's pack compiled (.wdp bytes)."""
        if self.x["wendu_engine_compiled"](self.store, h) != 0:
            raise WenduError(self._result())
        return self._result_bytes()

    def _handle_bytes(self, name: str, data: bytes) -> int:
        h = self._call_bytes(name, data=data)
        if h == 0:
            raise WenduError(self._result())
        return h

    def engine_from_compiled(self, data: bytes) -> int:
        return self._handle_bytes("wendu_engine_from_compiled", data)

    def trigger_from_compiled(self, data: bytes) -> int:
        return self._handle_bytes("wendu_trigger_from_compiled", data)

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
        self.x["wendu_engine_free"](self.store, h)

    def trigger(self, pack=None) -> int:
        return self._handle("wendu_trigger_new", pack)

    def ingest(self, h: int, events: str) -> str:
        return self._status("wendu_trigger_ingest", h, text=events)

    def snapshot(self, h: int) -> str:
        assert self.x["wendu_trigger_snapshot"](self.store, h) == 0
        return self._result()

    def restore(self, h: int, snapshot: str):
        self._status("wendu_trigger_restore", h, text=snapshot)

    def free_trigger(self, h: int):
        self.x["wendu_trigger_free"](self.store, h)


def load(kind):
    for path in sorted((VECTORS / kind).glob("*.json")):
        yield f"{kind}/{path.name}", json.loads(path.read_text("utf-8"))


def pack_of(v):
    if isinstance(v.get("pack_text"), str):
        return v["pack_text"]
    p = v["pack"]
    if p == "default":
        return None
    if isinstance(p, str):
        return (VECTORS / p).read_text("utf-8")
    return json.dumps(p, ensure_ascii=False)


def text_of(x):
    return x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)


def split_array(text: str):
    """Top-level items of a JSON array, as the exact text the module wrote."""
    out, depth, in_str, esc, start = [], 0, False, False, 1
    for i, ch in enumerate(text):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0 and i > start:
                out.append(text[start:i])
        elif ch == "," and depth == 1:
            out.append(text[start:i])
            start = i + 1
    return out


DEFAULT_PACK = (REPO / "packs" / "cn-banking.json").read_text("utf-8")


class Maker:
    """Engines for a vector's pack: as given, or (compiled=True) JSON packs compiled in the
    module and loaded from the bytes, and the default pack from its JSON."""

    def __init__(self, w: Wendu, compiled: bool):
        self.w, self.compiled, self.cache = w, compiled, {}

    def _bytes(self, pack):
        if pack not in self.cache:
            h = self.w.engine(pack)
            self.cache[pack] = self.w.compiled(h)
            self.w.free_engine(h)
        return self.cache[pack]

    def engine(self, pack):
        if not self.compiled:
            return self.w.engine(pack)
        if pack is None:
            return self.w.engine(DEFAULT_PACK)
        return self.w.engine_from_compiled(self._bytes(pack))

    def trigger(self, pack):
        if not self.compiled:
            return self.w.trigger(pack)
        if pack is None:
            return self.w.trigger(DEFAULT_PACK)
        return self.w.trigger_from_compiled(self._bytes(pack))


def run_all(w: Wendu, compiled=False):
    failures, checked = [], 0
    make = Maker(w, compiled)

    def expect(file, what, want, got):
        nonlocal checked
        checked += 1
        if want != got:
            failures.append(f"{file} [{what}]\n  expected {want}\n  actual   {got}")

    groups = {}
    for file, v in load("classify"):
        pack = pack_of(v)
        try:
            h = make.engine(pack)
        except WenduError as e:
            expect(file, "engine_new", v["expected"], e.json)
            expect(file, "engine_new (verdict)", v.get("expected_verdict"), e.json)
            continue
        for what, call, key in [("classify", w.classify, "expected"), ("verdict", w.verdict, "expected_verdict")]:
            try:
                got = call(h, text_of(v["input"]))
            except WenduError as e:
                got = e.json
            expect(file, what, v.get(key), got)
        w.free_engine(h)
        if not isinstance(v["input"], str):
            groups.setdefault(pack, []).append((file, v))
    for pack, group in groups.items():
        h = make.engine(pack)
        batch = json.dumps([v["input"] for _, v in group], ensure_ascii=False)
        for what, call, key in [
            ("classify_batch", w.classify_batch, "expected"),
            ("verdict_batch", w.verdict_batch, "expected_verdict"),
        ]:
            items = split_array(call(h, batch))
            assert len(items) == len(group), what
            for (file, v), got in zip(group, items):
                want = v.get(key) or ""
                if want.startswith('{"code":'):
                    want = '{"error":' + want + "}"
                expect(file, what, want, got)
        w.free_engine(h)

    for file, v in load("check"):
        expect(file, "check", v["expected"], w.check(pack_of(v)))

    for file, v in load("trigger"):
        pack, events, want = pack_of(v), v["events"], v["expected"]
        h = make.trigger(pack)
        for i, e in enumerate(events):
            expect(file, f"ingest {i}", want[i], w.ingest(h, text_of(e)))
        expect(file, "snapshot", v["expected_snapshot"], w.snapshot(h))
        w.free_trigger(h)
        if "expected_batch" in v:
            b = make.trigger(pack)
            expect(file, "ingest batch", v["expected_batch"], w.ingest(b, json.dumps(events, ensure_ascii=False)))
            w.free_trigger(b)
        half = len(events) // 2
        a = make.trigger(pack)
        for e in events[:half]:
            w.ingest(a, text_of(e))
        mid = w.snapshot(a)
        w.free_trigger(a)
        r = make.trigger(pack)
        w.restore(r, mid)
        expect(file, "snapshot round trip", mid, w.snapshot(r))
        for i in range(half, len(events)):
            expect(file, f"resumed ingest {i}", want[i], w.ingest(r, text_of(events[i])))
        w.free_trigger(r)
    return checked, failures


def module_bytes() -> bytes:
    """The module's bytes; a skip when it is missing (a failure under WENDU_REQUIRE_WASM=1)."""
    if not MODULE.exists():
        if os.environ.get("WENDU_REQUIRE_WASM") == "1":
            raise FileNotFoundError(f"{MODULE} (run scripts/build-wasm.sh)")
        raise unittest.SkipTest(f"{MODULE} is missing (run scripts/build-wasm.sh)")
    return MODULE.read_bytes()


def assert_all_agree(case: unittest.TestCase, checked: int, failures: list):
    """At least 100 vectors checked and none differing; else the first five differences."""
    case.assertGreaterEqual(checked, 100)
    case.assertEqual(failures, [], f"{len(failures)} of {checked} differ:\n" + "\n".join(failures[:5]))


class WasmtimeVectors(unittest.TestCase):
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
        broken = bytearray(here)
        broken[200] ^= 4
        with self.assertRaises(WenduError) as e:
            w.engine_from_compiled(bytes(broken))
        self.assertEqual(e.exception.code, "invalid_pack")
        self.assertIn("checksum mismatch", e.exception.problems[0]["message"])

    def test_errors(self):
        w = self.w
        with self.assertRaises(WenduError) as e:
            w.engine('{"pack": {}}')
        self.assertEqual(e.exception.code, "invalid_pack")
        h = w.engine()
        with self.assertRaises(WenduError) as e:
            w.classify(h, '{"text": 1}')
        self.assertEqual(e.exception.code, "invalid_input")
        self.assertEqual(e.exception.problems[0]["path"], "/text")
        # A verdict fails exactly like classify.
        for bad in ['{"text": 1}', "{", ""]:
            with self.assertRaises(WenduError) as c:
                w.classify(h, bad)
            with self.assertRaises(WenduError) as v:
                w.verdict(h, bad)
            self.assertEqual(v.exception.json, c.exception.json)
        with self.assertRaises(WenduError) as e:
            w.verdict_batch(h, "{}")
        self.assertEqual(e.exception.code, "invalid_input")
        w.free_engine(h)
        for call in (w.classify, w.verdict, w.verdict_batch):
            with self.assertRaises(WenduError) as e:
                call(h, '[{"text": "x"}]')
            self.assertEqual(e.exception.code, "invalid_handle")
        # The latest failure stays in last_error after later successes.
        h2 = w.engine()
        w.classify(h2, '{"text": "年费"}')
        p, n = w.x["wendu_last_error_ptr"](w.store), w.x["wendu_last_error_len"](w.store)
        self.assertIn("invalid_handle", w.memory.read(w.store, p, p + n).decode())
        w.free_engine(h2)


if __name__ == "__main__":
    sys.exit(unittest.main(verbosity=2))
