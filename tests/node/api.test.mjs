// The JavaScript API beyond the vectors: argument forms, errors, lifetimes, snapshots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine, TriggerEngine, WenduError, version } from "wendu";

const pack = {
  pack: { id: "api", version: "3" },
  dimensions: [{ id: "d", fallback: "other", labels: [
    { code: "fee", name: "收费", rules: [{ when: { terms: ["年费"] } }] },
    { code: "other", name: "其他" },
  ] }],
  triggers: { policies: [{ id: "low", kind: "immediate", scale: "csat5" }] },
};

test("the default pack, pack info and version", () => {
  const e = new Engine();
  assert.equal(e.pack.id, "cn-banking");
  assert.match(e.pack.hash, /^sha256:[0-9a-f]{64}$/);
  assert.ok(Object.isFrozen(e.pack));
  assert.match(version, /^\d+\.\d+\.\d+/);
  e.free();
});

test("a pack as an object or as JSON text gives the same engine", () => {
  const a = new Engine(pack);
  const b = new Engine(JSON.stringify(pack));
  assert.deepEqual(a.pack, b.pack);
  assert.deepEqual(a.classify({ text: "年费" }), b.classify('{"text": "年费"}'));
  assert.equal(a.classify({ text: "乱收年费" }).labels.d[0].code, "fee");
});

test("errors are WenduError with code, message and problems", () => {
  const e = new Engine(pack);
  assert.throws(() => e.classify({ text: 1, customer: { age: 200 } }), (err) => {
    assert.ok(err instanceof WenduError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, "WenduError");
    assert.equal(err.code, "invalid_input");
    assert.deepEqual(err.problems.map((p) => p.path), ["/text", "/customer/age"]);
    assert.match(err.message, /^invalid input: 2 problems/);
    return true;
  });
  assert.throws(() => new Engine({ pack: { id: "x" } }), { name: "WenduError", code: "invalid_pack" });
  assert.throws(() => new Engine("{"), { code: "invalid_pack" });
  assert.throws(() => e.classify(), { code: "invalid_input" });
  const cyclic = { text: "x" };
  cyclic.self = cyclic;
  assert.throws(() => e.classify(cyclic), { code: "invalid_input" });
  assert.throws(() => e.classify({ text: "x", n: 10n }), { code: "invalid_input" });
});

test("engine options: the automaton changes speed, never decisions; bad options are errors", () => {
  const auto = new Engine();
  const c = { id: "o1", text: "信用卡被乱收年费，我已经打了12378投诉，不是本人操作" };
  for (const automaton of ["auto", "dfa", "nfa"]) {
    const e = new Engine(null, { automaton });
    assert.equal(e.classifyJSON(c), auto.classifyJSON(c));
    assert.equal(e.verdictJSON(c), auto.verdictJSON(c));
    e.free();
  }
  const small = new Engine(pack, { automaton: "dfa" });
  assert.equal(small.classify({ text: "乱收年费" }).labels.d[0].code, "fee");
  const bad = (options, paths) =>
    assert.throws(() => new Engine(pack, options), (err) => {
      assert.ok(err instanceof WenduError);
      assert.equal(err.code, "invalid_input");
      assert.deepEqual(err.problems.map((p) => p.path), paths);
      return true;
    });
  bad({ automaton: "fastest" }, ["/automaton"]);
  bad({ automaton: 3 }, ["/automaton"]);
  bad({ automaton: "dfa", speed: 1 }, ["/speed"]);
  bad("dfa", [""]);
  assert.throws(() => new Engine("{", { automaton: "dfa" }), { code: "invalid_pack" });
  auto.free();
});

test("Engine.check lists every problem; clean packs give []", () => {
  assert.deepEqual(Engine.check(pack), []);
  assert.deepEqual(Engine.check(), []);
  const problems = Engine.check({ pack: { id: "p", version: "1" }, dimensons: [] });
  assert.ok(problems.length >= 2);
  for (const p of problems) assert.deepEqual(Object.keys(p), ["path", "message", "severity"]);
});

test("classifyBatch: one call, decisions in order, errors in place", () => {
  const e = new Engine(pack);
  const out = e.classifyBatch([{ text: "年费" }, { text: 5 }, { id: 7, text: "无" }]);
  assert.equal(out.length, 3);
  assert.equal(out[0].labels.d[0].code, "fee");
  assert.equal(out[1].error.code, "invalid_input");
  assert.equal(out[2].id, "7");
  assert.deepEqual(e.classifyBatch("[]"), []);
  assert.throws(() => e.classifyBatch({ text: "x" }), { code: "invalid_input" });
  assert.throws(() => e.classifyBatch("{}"), { code: "invalid_input" });
  const many = Array.from({ length: 500 }, (_, i) => ({ id: i, text: i % 2 ? "年费" : "其他" }));
  assert.deepEqual(e.classifyBatch(many), many.map((c) => e.classify(c)));
});

test("verdicts: the decision without its explanation, the same errors as classify", () => {
  const e = new Engine(pack);
  const c = { id: 3, text: "乱收年费" };
  const v = e.verdict(c);
  assert.deepEqual(Object.keys(v), ["id", "labels", "route", "severity", "warnings"]);
  const d = e.classify(c);
  assert.deepEqual(v.labels.d, d.labels.d.map((l) => ({ code: l.code, confidence: l.confidence })));
  assert.deepEqual(e.verdict({ text: "无" }).labels.d, [{ code: "other", confidence: 0, fallback: true }]);
  assert.equal(e.verdictJSON(JSON.stringify(c)), JSON.stringify(v));
  assert.deepEqual(e.verdict(JSON.stringify(c)), v);
  // Errors: exactly classify's.
  const bad = [{ text: 1, customer: { age: 200 } }, "{", undefined];
  for (const b of bad) {
    let want;
    assert.throws(() => e.classify(b), (err) => ((want = err), true));
    assert.throws(() => e.verdict(b), (err) => {
      assert.ok(err instanceof WenduError);
      assert.deepEqual([err.code, err.message, err.problems], [want.code, want.message, want.problems]);
      return true;
    });
    assert.throws(() => e.verdictJSON(b), { code: want.code, message: want.message });
  }
  // Batches: in order, errors in place, the same argument checks as classifyBatch.
  const out = e.verdictBatch([{ text: "年费" }, { text: 5 }, { id: 7, text: "无" }]);
  assert.equal(out.length, 3);
  assert.equal(out[0].labels.d[0].code, "fee");
  assert.equal(out[1].error.code, "invalid_input");
  assert.equal(out[2].id, "7");
  assert.deepEqual(e.verdictBatch("[]"), []);
  assert.equal(e.verdictBatchJSON([{ text: "年费" }]), `[${e.verdictJSON({ text: "年费" })}]`);
  assert.throws(() => e.verdictBatch({ text: "x" }), { code: "invalid_input", message: /^verdictBatch expects an array/ });
  assert.throws(() => e.verdictBatchJSON({ text: "x" }), { code: "invalid_input", message: /^verdictBatchJSON expects/ });
  assert.throws(() => e.verdictBatch("{}"), { code: "invalid_input" });
  const many = Array.from({ length: 500 }, (_, i) => ({ id: i, text: i % 2 ? "年费" : "其他" }));
  assert.deepEqual(e.verdictBatch(many), many.map((c) => e.verdict(c)));
  e.free();
  assert.throws(() => e.verdict(c), { code: "freed" });
  assert.throws(() => e.verdictBatch([c]), { code: "freed" });
});

test("free, double free, use after free, Symbol.dispose", () => {
  const e = new Engine(pack);
  e.free();
  e.free();
  assert.throws(() => e.classify({ text: "x" }), { code: "freed" });
  assert.throws(() => e.pack, { code: "freed" });
  if (typeof Symbol.dispose === "symbol") {
    const d = new Engine(pack);
    d[Symbol.dispose]();
    assert.throws(() => d.classify({ text: "x" }), { code: "freed" });
  }
});

test("trigger engine: ingest, batch, snapshot bytes, restore", () => {
  const t = new TriggerEngine(pack);
  assert.equal(t.pack.id, "api");
  const out = t.ingest({ id: "1", score: 1, scale: "csat5", at: "2026-01-01T00:00:00Z" });
  assert.equal(out.accepted, 1);
  assert.equal(out.alerts[0].policy, "low");
  const batch = t.ingestBatch([
    { id: "2", score: 5, scale: "csat5", at: "2026-01-01T00:01:00Z" },
    { id: "2", score: 5, scale: "csat5", at: "2026-01-01T00:01:00Z" },
  ]);
  assert.deepEqual(batch.notices.map((n) => [n.index, n.kind]), [[1, "duplicate"]]);
  const snap = t.snapshot();
  assert.ok(snap instanceof Uint8Array);
  const u = new TriggerEngine(pack);
  u.restore(snap);
  assert.deepEqual(u.snapshot(), snap);
  u.restore(new TextDecoder().decode(snap));
  assert.throws(() => u.restore(new Uint8Array([0xff, 0xfe])), { code: "invalid_input" });
  assert.throws(() => u.restore("{}"), { code: "invalid_input" });
  assert.throws(() => u.ingestBatch({}), { code: "invalid_input" });
  assert.throws(() => new TriggerEngine({ ...pack, triggers: { policies: [{ id: "x", kind: "nope" }] } }), { code: "invalid_pack" });
  t.free();
  assert.throws(() => t.snapshot(), { code: "freed" });
});

test("a decision is exactly the core's JSON (spans in UTF-16 units)", () => {
  const e = new Engine(pack);
  const text = "👨‍👩‍👧 乱收年费";
  const d = e.classify({ text });
  const [start, end] = d.labels.d[0].rules[0].evidence[0].span;
  assert.equal(text.slice(start, end), "年费");
});

test("a trap inside the module becomes WenduError internal with the panic message", async () => {
  const { bind } = await import("../../pkg/api.mjs");
  class RawEngine {
    classify() {
      throw new WebAssembly.RuntimeError("unreachable");
    }
    verdictBatch() {
      throw new WebAssembly.RuntimeError("unreachable");
    }
    free() {}
  }
  let panic = "panicked at src/decide.rs:1:1: index out of bounds";
  const api = bind({ RawEngine, version: () => "0.0.0", takePanic: () => { const p = panic; panic = null; return p; } });
  const e = new api.Engine();
  assert.throws(() => e.classify({ text: "x" }), (err) => {
    assert.ok(err instanceof api.WenduError);
    assert.equal(err.code, "internal");
    assert.match(err.message, /index out of bounds/);
    assert.ok(err.cause instanceof WebAssembly.RuntimeError);
    return true;
  });
  assert.throws(() => e.classify({ text: "x" }), { code: "internal", message: /unreachable/ });
  panic = "panicked at src/decide.rs:2:2: verdict";
  assert.throws(() => e.verdictBatch([{ text: "x" }]), { code: "internal", message: /verdict/ });
});

test("a lone surrogate (text cut in the middle of an emoji) reads as U+FFFD, in an object or in JSON text, and the warnings say where", () => {
  const e = new Engine(pack);
  const cut = "乱收年费😀".slice(0, -1); // ends with the high half of the emoji
  const asObject = e.classify({ id: "s", text: cut });
  const asText = e.classify(`{"id": "s", "text": "${cut}"}`);
  assert.deepEqual(asObject, asText);
  assert.equal(asObject.labels.d[0].code, "fee");
  assert.equal(asObject.masked_text, "乱收年费\ufffd");
  assert.deepEqual(asObject.warnings, ["/text: 1 lone UTF-16 surrogate (half of a character, e.g. an emoji cut in two) was replaced by U+FFFD"]);
  assert.deepEqual(e.verdict({ id: "s", text: cut }).warnings, asObject.warnings);
  // In a batch, each complaint gets its own warning.
  const batch = e.classifyBatch([{ text: "年费" }, { title: "\udc00", text: cut }]);
  assert.deepEqual(batch[0].warnings, []);
  assert.equal(batch[1].warnings.length, 2);
  assert.match(batch[1].warnings[0], /^\/title: 1 lone/);
  // Trigger events: a warning notice.
  const t = new TriggerEngine(pack);
  const o = t.ingest({ id: "r1", score: 1, scale: "csat5", at: "2026-05-01T00:00:00Z", comment: cut });
  assert.equal(o.accepted, 1);
  assert.equal(o.notices[0].kind, "warning");
  assert.match(o.notices[0].message, /^\/comment: 1 lone UTF-16 surrogate/);
  t.free();
  e.free();
});

test("numbers JSON cannot carry (NaN, Infinity) are errors, not silently null", () => {
  const e = new Engine(pack);
  assert.throws(() => e.classify({ text: "年费", amount: Infinity }), (err) => {
    assert.ok(err instanceof WenduError);
    assert.equal(err.code, "invalid_input");
    assert.deepEqual(err.problems.map((p) => p.path), ["/amount"]);
    assert.match(err.message, /Infinity/);
    return true;
  });
  assert.throws(() => e.classifyBatch([{ text: "a" }, { text: "b", customer: { age: NaN } }]), {
    code: "invalid_input",
    problems: [{ path: "/1/customer/age", message: "/1/customer/age is NaN, which JSON writes as null", severity: "error" }],
  });
  // A real null is still a null.
  assert.equal(e.classify({ text: "年费", amount: null }).labels.d[0].code, "fee");
  e.free();
});

test("options or inputs that cannot be read throw WenduError, never a raw Error", () => {
  const hostile = [
    new Proxy({}, { ownKeys() { throw new Error("no keys"); } }),
    (() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })(),
    { get automaton() { throw new Error("getter"); } },
    { toJSON() { throw { get message() { throw new Error("message getter"); } }; } },
  ];
  for (const options of hostile) {
    assert.throws(() => new Engine(pack, options), (err) => {
      assert.ok(err instanceof WenduError, `${err}`);
      assert.equal(err.code, "invalid_input");
      return true;
    });
  }
  const e = new Engine(pack);
  for (const complaint of hostile) {
    assert.throws(() => e.classify(complaint), (err) => err instanceof WenduError && err.code === "invalid_input");
  }
  e.free();
});

test("compiled packs: toCompiled, new Engine(bytes) in every byte form, damaged bytes refused", () => {
  const json = new Engine(pack);
  const bytes = json.toCompiled();
  assert.ok(bytes instanceof Uint8Array);
  assert.deepEqual([...bytes.slice(0, 4)], [0xff, 0x57, 0x44, 0x50]);
  const c = { text: "乱收年费" };
  for (const form of [bytes, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), new DataView(bytes.buffer, bytes.byteOffset, bytes.length)]) {
    const e = new Engine(form);
    assert.deepEqual(e.pack, json.pack);
    assert.equal(e.classifyJSON(c), json.classifyJSON(c));
    assert.deepEqual(e.describe(), json.describe());
    assert.deepEqual(e.runTests(), { passed: 0, failed: 0, results: [] });
    e.free();
  }
  assert.deepEqual(Array.from(new Engine(bytes).toCompiled()), Array.from(bytes));
  // The pack's JSON as UTF-8 bytes works too.
  assert.equal(new Engine(new TextEncoder().encode(JSON.stringify(pack))).classifyJSON(c), json.classifyJSON(c));
  const t = new TriggerEngine(bytes);
  assert.equal(t.pack.id, "api");
  assert.deepEqual(Engine.check(bytes), []);
  const damaged = bytes.slice();
  damaged[damaged.length - 1] ^= 1;
  assert.throws(() => new Engine(damaged), (err) => {
    assert.ok(err instanceof WenduError);
    assert.equal(err.code, "invalid_pack");
    assert.match(err.problems[0].message, /checksum mismatch/);
    return true;
  });
  assert.equal(Engine.check(damaged)[0].severity, "error");
  assert.throws(() => new Engine(new Uint8Array([0xfe, 0xff])), { code: "invalid_pack" });
  // The built-in pack is precompiled and carries no tests.
  assert.deepEqual(new Engine().runTests().results, []);
});
